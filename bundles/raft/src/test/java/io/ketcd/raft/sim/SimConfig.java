package io.ketcd.raft.sim;

import java.util.Random;

/**
 * The knobs of one simulation run. {@link #draw} takes them from the run's one {@link Random}, so the seed
 * alone decides them; a failure report prints them.
 *
 * @param seed              the run's seed
 * @param nodes             initial voters (ids 1..nodes)
 * @param steps             driver steps in the chaotic phase
 * @param confChanges       whether the driver proposes membership changes (add voter / add learner /
 *                          promote / remove)
 * @param preVote           raft's PreVote
 * @param checkQuorum       raft's CheckQuorum
 * @param drop              probability that a message leaving the network is dropped
 * @param duplicate         probability that a delivered message stays pending as well
 * @param readyProbability  probability, per step and node, that the driver processes a pending Ready
 * @param maxSizePerMsg     raft's MaxSizePerMsg
 * @param maxInflight       raft's MaxInflightMsgs
 * @param maxUncommitted    raft's MaxUncommittedEntriesSize (0 = unlimited)
 * @param mergedSnapshots   whether the driver replaces the snapshot in an outgoing MsgSnap by one of the
 *                          sender's current state (as etcd's server does in createMergedSnapshotMessage),
 *                          rather than sending raft's (possibly older) storage snapshot as is
 */
record SimConfig(long seed, int nodes, int steps, boolean confChanges, boolean preVote, boolean checkQuorum,
                 double drop, double duplicate, double readyProbability, long maxSizePerMsg, int maxInflight,
                 long maxUncommitted, boolean mergedSnapshots) {

    static final int ELECTION_TICK = 10;
    static final int HEARTBEAT_TICK = 1;

    static SimConfig draw(long seed, int nodes, int steps, boolean confChanges, Random r) {
        double[] drops = {0, 0, 0.02, 0.1, 0.3};
        double[] dups = {0, 0, 0.02, 0.1};
        long[] sizes = {Long.MAX_VALUE, 1024 * 1024, 200, 1};
        int[] inflights = {256, 8, 2, 1};
        long[] uncommitted = {0, 0, 1 << 16, 200};
        return new SimConfig(seed, nodes, steps, confChanges, r.nextBoolean(), r.nextBoolean(),
                drops[r.nextInt(drops.length)], dups[r.nextInt(dups.length)], 0.3 + 0.7 * r.nextDouble(),
                sizes[r.nextInt(sizes.length)], inflights[r.nextInt(inflights.length)],
                uncommitted[r.nextInt(uncommitted.length)], r.nextBoolean());
    }
}
