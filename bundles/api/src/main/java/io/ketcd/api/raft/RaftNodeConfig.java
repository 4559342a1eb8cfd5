package io.ketcd.api.raft;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The identity and tuning of one raft node, built from named settings with etcd-raft's names
 * ({@code raft.Config}) and etcd's defaults:
 *
 * <pre>{@code
 * RaftNodeConfig config = RaftNodeConfig.builder(memberId)
 *         .electionTick(10)
 *         .applied(appliedIndex)
 *         .random(new SplittableRandom(seed))
 *         .logger(logger)
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe, except that {@link #random()} is owned by the node it configures.
 * Every setting is validated in one place, when {@link Builder#build()} makes the config.
 */
public final class RaftNodeConfig {
    private final long id;
    private final int electionTick;
    private final int heartbeatTick;
    private final long applied;
    private final long maxSizePerMsg;
    private final int maxInflightMsgs;
    private final long maxUncommittedEntriesSize;
    private final boolean checkQuorum;
    private final boolean preVote;
    private final ReadOnlyOption readOnlyOption;
    private final boolean disableProposalForwarding;
    private final RandomGenerator random;
    private final RaftLogger logger;

    private RaftNodeConfig(Builder b) {
        if (b.id == 0) {
            throw new IllegalArgumentException("id must not be 0");
        }
        if (b.heartbeatTick < 1) {
            throw new IllegalArgumentException("heartbeatTick must be >= 1: " + b.heartbeatTick);
        }
        if (b.electionTick <= b.heartbeatTick) {
            throw new IllegalArgumentException(
                    "electionTick must be > heartbeatTick: " + b.electionTick + " <= " + b.heartbeatTick);
        }
        if (b.applied < 0 || b.maxSizePerMsg < 0 || b.maxUncommittedEntriesSize < 0) {
            throw new IllegalArgumentException("applied and size limits must be >= 0");
        }
        if (b.maxInflightMsgs < 1) {
            throw new IllegalArgumentException("maxInflightMsgs must be >= 1: " + b.maxInflightMsgs);
        }
        Objects.requireNonNull(b.readOnlyOption, "readOnlyOption");
        Objects.requireNonNull(b.random, "random: a seeded generator is required (no hidden randomness)");
        Objects.requireNonNull(b.logger, "logger");
        if (b.readOnlyOption == ReadOnlyOption.LEASE_BASED && !b.checkQuorum) {
            throw new IllegalArgumentException("LEASE_BASED reads require checkQuorum");
        }
        this.id = b.id;
        this.electionTick = b.electionTick;
        this.heartbeatTick = b.heartbeatTick;
        this.applied = b.applied;
        this.maxSizePerMsg = b.maxSizePerMsg;
        this.maxInflightMsgs = b.maxInflightMsgs;
        this.maxUncommittedEntriesSize = b.maxUncommittedEntriesSize;
        this.checkQuorum = b.checkQuorum;
        this.preVote = b.preVote;
        this.readOnlyOption = b.readOnlyOption;
        this.disableProposalForwarding = b.disableProposalForwarding;
        this.random = b.random;
        this.logger = b.logger;
    }

    /**
     * A builder for node {@code id} holding etcd's defaults: election 10 ticks, heartbeat 1,
     * nothing applied, 1 MiB per message, 256 messages in flight, no uncommitted limit,
     * check-quorum and pre-vote on, {@link ReadOnlyOption#SAFE} reads, proposals forwarded, and
     * {@link RaftLogger#NOOP}. There is no default {@link Builder#random random}: the caller
     * seeds it.
     *
     * @param id this node's id, any value but 0 (0 means "none" in raft messages); etcd's
     *     member ids are unsigned 64-bit, so half of them are negative as a Java {@code long}
     */
    public static Builder builder(long id) {
        return new Builder(id);
    }

    /** This node's id, never 0. */
    public long id() {
        return id;
    }

    /**
     * Ticks without hearing from a leader before a follower campaigns; the actual timeout is
     * drawn from {@code [electionTick, 2 * electionTick)}; {@code > heartbeatTick}.
     */
    public int electionTick() {
        return electionTick;
    }

    /** Ticks between a leader's heartbeats, {@code >= 1}. */
    public int heartbeatTick() {
        return heartbeatTick;
    }

    /** The last index the owner has applied (restart): entries up to it are not handed out again. */
    public long applied() {
        return applied;
    }

    /**
     * The byte limit of entries in one append message (at least one entry is always sent);
     * 0 means one entry per message.
     */
    public long maxSizePerMsg() {
        return maxSizePerMsg;
    }

    /** Append messages in flight to one follower in replicate state, {@code >= 1}. */
    public int maxInflightMsgs() {
        return maxInflightMsgs;
    }

    /** Byte limit of the leader's uncommitted tail beyond which proposals are dropped; 0 means none. */
    public long maxUncommittedEntriesSize() {
        return maxUncommittedEntriesSize;
    }

    /**
     * Whether a leader steps down when a quorum was not active within an election timeout, and a
     * follower that heard from a leader within that time ignores votes.
     */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /** Whether a pre-vote round runs before the term is raised (a rejoining node does not disrupt). */
    public boolean preVote() {
        return preVote;
    }

    /** How read points are confirmed; {@link ReadOnlyOption#LEASE_BASED} requires {@link #checkQuorum()}. */
    public ReadOnlyOption readOnlyOption() {
        return readOnlyOption;
    }

    /** Whether a follower drops proposals instead of forwarding them to its leader. */
    public boolean disableProposalForwarding() {
        return disableProposalForwarding;
    }

    /** The only source of randomness (election timeouts), seeded by the caller and owned by the node. */
    public RandomGenerator random() {
        return random;
    }

    /** Where the node's log lines go. */
    public RaftLogger logger() {
        return logger;
    }

    /**
     * Named settings for a {@link RaftNodeConfig}, starting from etcd's defaults (see {@link
     * RaftNodeConfig#builder}). Not thread-safe; each setter returns this builder. Nothing is
     * checked until {@link #build()}.
     */
    public static final class Builder {
        private final long id;
        private int electionTick = 10;
        private int heartbeatTick = 1;
        private long applied;
        private long maxSizePerMsg = 1024 * 1024;
        private int maxInflightMsgs = 256;
        private long maxUncommittedEntriesSize;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private ReadOnlyOption readOnlyOption = ReadOnlyOption.SAFE;
        private boolean disableProposalForwarding;
        private RandomGenerator random;
        private RaftLogger logger = RaftLogger.NOOP;

        private Builder(long id) {
            this.id = id;
        }

        /** See {@link RaftNodeConfig#electionTick()}. */
        public Builder electionTick(int ticks) {
            this.electionTick = ticks;
            return this;
        }

        /** See {@link RaftNodeConfig#heartbeatTick()}. */
        public Builder heartbeatTick(int ticks) {
            this.heartbeatTick = ticks;
            return this;
        }

        /** See {@link RaftNodeConfig#applied()}. */
        public Builder applied(long index) {
            this.applied = index;
            return this;
        }

        /** See {@link RaftNodeConfig#maxSizePerMsg()}. */
        public Builder maxSizePerMsg(long bytes) {
            this.maxSizePerMsg = bytes;
            return this;
        }

        /** See {@link RaftNodeConfig#maxInflightMsgs()}. */
        public Builder maxInflightMsgs(int messages) {
            this.maxInflightMsgs = messages;
            return this;
        }

        /** See {@link RaftNodeConfig#maxUncommittedEntriesSize()}. */
        public Builder maxUncommittedEntriesSize(long bytes) {
            this.maxUncommittedEntriesSize = bytes;
            return this;
        }

        /** See {@link RaftNodeConfig#checkQuorum()}. */
        public Builder checkQuorum(boolean on) {
            this.checkQuorum = on;
            return this;
        }

        /** See {@link RaftNodeConfig#preVote()}. */
        public Builder preVote(boolean on) {
            this.preVote = on;
            return this;
        }

        /** See {@link RaftNodeConfig#readOnlyOption()}. */
        public Builder readOnlyOption(ReadOnlyOption option) {
            this.readOnlyOption = option;
            return this;
        }

        /** See {@link RaftNodeConfig#disableProposalForwarding()}. */
        public Builder disableProposalForwarding(boolean on) {
            this.disableProposalForwarding = on;
            return this;
        }

        /** See {@link RaftNodeConfig#random()}; required. */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /** See {@link RaftNodeConfig#logger()}. */
        public Builder logger(RaftLogger logger) {
            this.logger = logger;
            return this;
        }

        /**
         * The config of these settings.
         *
         * @throws IllegalArgumentException if a setting is out of its range (see the accessors)
         * @throws NullPointerException if no {@link #random} was given, or a null option or logger
         */
        public RaftNodeConfig build() {
            return new RaftNodeConfig(this);
        }
    }
}
