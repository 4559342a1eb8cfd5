package io.ketcd.api.raft;

/** The role of a raft node. */
public enum RaftRole {
    FOLLOWER,
    /** Polling peers for a pre-vote; has not raised its term. */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
