package io.ketcd.api.raft;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The identity and tuning of one raft node. Validated on construction.
 *
 * @param id this node's id, any value but 0 (0 means "none" in raft messages); etcd's member
 *     ids are unsigned 64-bit, so half of them are negative as a Java {@code long}
 * @param electionTick ticks without hearing from a leader before a follower campaigns; the
 *     actual timeout is drawn from {@code [electionTick, 2 * electionTick)}; must be {@code >
 *     heartbeatTick}
 * @param heartbeatTick ticks between a leader's heartbeats, {@code >= 1}
 * @param applied the last index the owner has applied (restart); entries up to it are not
 *     handed out again; 0 for a new node
 * @param maxSizePerMsg the byte limit of entries in one append message (at least one entry is
 *     always sent); {@code >= 0}, 0 means one entry per message
 * @param maxInflightMsgs append messages in flight to one follower in replicate state, {@code
 *     >= 1}
 * @param maxUncommittedEntriesSize byte limit of the leader's uncommitted tail beyond which
 *     proposals are dropped; 0 means no limit
 * @param checkQuorum a leader steps down if a quorum was not active within an election
 *     timeout, and a follower that heard from a leader within that time ignores votes
 * @param preVote run a pre-vote round before raising the term (avoids disruption by a
 *     rejoining node)
 * @param readOnlyOption how read points are confirmed; {@link ReadOnlyOption#LEASE_BASED}
 *     requires {@code checkQuorum}
 * @param disableProposalForwarding a follower drops proposals instead of forwarding them
 * @param random the only source of randomness (election timeouts); seeded by the caller and
 *     then owned by the node
 * @param logger where log lines go
 */
public record RaftNodeConfig(
        long id,
        int electionTick,
        int heartbeatTick,
        long applied,
        long maxSizePerMsg,
        int maxInflightMsgs,
        long maxUncommittedEntriesSize,
        boolean checkQuorum,
        boolean preVote,
        ReadOnlyOption readOnlyOption,
        boolean disableProposalForwarding,
        RandomGenerator random,
        RaftLogger logger) {

    public RaftNodeConfig {
        if (id == 0) {
            throw new IllegalArgumentException("id must not be 0");
        }
        if (heartbeatTick < 1) {
            throw new IllegalArgumentException("heartbeatTick must be >= 1: " + heartbeatTick);
        }
        if (electionTick <= heartbeatTick) {
            throw new IllegalArgumentException(
                    "electionTick must be > heartbeatTick: " + electionTick + " <= " + heartbeatTick);
        }
        if (applied < 0 || maxSizePerMsg < 0 || maxUncommittedEntriesSize < 0) {
            throw new IllegalArgumentException("applied and size limits must be >= 0");
        }
        if (maxInflightMsgs < 1) {
            throw new IllegalArgumentException("maxInflightMsgs must be >= 1: " + maxInflightMsgs);
        }
        Objects.requireNonNull(readOnlyOption, "readOnlyOption");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(logger, "logger");
        if (readOnlyOption == ReadOnlyOption.LEASE_BASED && !checkQuorum) {
            throw new IllegalArgumentException("LEASE_BASED reads require checkQuorum");
        }
    }

    /**
     * A config with etcd's defaults for a node: election 10 ticks, heartbeat 1, 1 MiB per
     * message, 256 in flight, no uncommitted limit, check-quorum and pre-vote on, safe reads.
     */
    public static RaftNodeConfig defaults(long id, RandomGenerator random, RaftLogger logger) {
        return new RaftNodeConfig(id, 10, 1, 0, 1024 * 1024, 256, 0, true, true,
                ReadOnlyOption.SAFE, false, random, logger);
    }
}
