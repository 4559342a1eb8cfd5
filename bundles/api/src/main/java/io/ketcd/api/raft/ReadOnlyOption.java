package io.ketcd.api.raft;

/** How the leader confirms a read point. */
public enum ReadOnlyOption {
    /** A heartbeat round acknowledged by a quorum confirms leadership; always linearizable. */
    SAFE,
    /**
     * The leader relies on its lease (requires {@link RaftNodeConfig#checkQuorum()}); fast but
     * linearizable only if clock drift stays bounded.
     */
    LEASE_BASED
}
