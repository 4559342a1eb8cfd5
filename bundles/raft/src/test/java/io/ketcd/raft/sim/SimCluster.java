package io.ketcd.raft.sim;

import io.ketcd.api.raft.ConfiguredStorage;
import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftLogger;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.api.raft.ReadState;
import io.ketcd.api.raft.Ready;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A seeded simulation of a raft group: N nodes built by a {@link RaftCore} over {@link SimStorage}, a
 * {@link SimNetwork}, and a driver that takes one random action per step (tick, deliver, propose, read,
 * crash, restart, partition, heal, snapshot, membership change, campaign, leader transfer; and, between
 * Ready cycles, a swap of a node's raft node for a fresh one, as the server's RaftLoop swaps its core), processes
 * Readys the way etcd's server does (persist snapshot, entries and HardState; send; apply; advance), and
 * checks {@link SafetyChecker}'s invariants after every step. {@link #run} then heals everything and
 * requires the group to elect a leader and commit a fresh proposal on every live member within a bound.
 *
 * <p>Every choice comes from one {@link Random} seeded with the run's seed (raft's own randomness too: each
 * raft node gets a {@link SplittableRandom} drawn from it), node ids are iterated in order, and nothing reads
 * a clock, so a seed replays exactly. A failure throws an {@link AssertionError} with the seed, the config,
 * the nodes' state and the last events.
 */
final class SimCluster {
    static final int TRACE_TAIL = 300;
    /** Ticks (of every node) the healed group gets to elect a leader and commit everywhere. */
    static final int LIVENESS_ROUNDS = 40 * SimConfig.ELECTION_TICK;

    private static final ByteString LIVENESS_PREFIX = ByteString.copyFromUtf8("live-");
    /** Per-mille chance, per step, of a swap: a few per run, so that every role gets swapped at some point. */
    private static final int SWAP_PER_MILLE = 15;
    /** Salts the swaps' own Random, so that a run without swaps draws exactly what it drew before they existed. */
    private static final long SWAP_SALT = 0x5a5a_0c0e_5a5a_0c0eL;

    /**
     * What a node that replaces a running one starts from: the {@code applied} index of its config, and the
     * configuration its storage reports (RaftLoop: {@code nodeConfig.apply(applied)} and the same
     * {@link ConfiguredStorage}).
     */
    record SwapStart(long applied, ConfState conf) {
    }

    /**
     * RaftLoop.rebuild's rule: the old node's applied index, and the configuration applied so far rather than
     * the snapshot's (the changes after the snapshot are applied, so none would be handed out again).
     */
    static final Function<SimNode, SwapStart> APPLIED_STATE = n -> new SwapStart(n.raft.status().applied(), n.conf);

    final SimConfig config;
    final Random random;
    final Trace trace;
    final SimNetwork network;
    final SafetyChecker checker;
    private final RaftCore core;
    private final Supplier<SimStorage> storages;
    private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
    private final List<SimNode> initialMembers = new ArrayList<>();
    private final ConfState bootstrapConf;
    /** null: no swaps. */
    private final Function<SimNode, SwapStart> swapStart;
    private final Random swapRandom;
    private int swaps;
    private int leaderSwaps;
    private int readsResent;
    private long step;
    private long proposals;
    private long reads;
    private long confChangeSeq;
    private long nextNodeId;
    private long livenessSeq;
    private int crashes;
    private int snapshotsTaken;
    private int snapshotsInstalled;
    private int confChangesApplied;

    /**
     * @param keepFullTrace keep every event (for determinism tests), not only the last {@link #TRACE_TAIL}
     */
    SimCluster(long seed, int nodeCount, int steps, boolean confChanges, RaftCore core,
               Supplier<SimStorage> storages, boolean keepFullTrace) {
        this(seed, nodeCount, steps, confChanges, core, storages, keepFullTrace, null);
    }

    /**
     * @param swapStart how a swapped-in node starts ({@link #APPLIED_STATE} is RaftLoop's rule), or null for
     *     no swaps: then the run is event for event what it was before swaps existed
     */
    SimCluster(long seed, int nodeCount, int steps, boolean confChanges, RaftCore core,
               Supplier<SimStorage> storages, boolean keepFullTrace, Function<SimNode, SwapStart> swapStart) {
        this.random = new Random(seed);
        this.swapStart = swapStart;
        this.swapRandom = new Random(seed ^ SWAP_SALT);
        this.config = SimConfig.draw(seed, nodeCount, steps, confChanges, random);
        this.trace = new Trace(TRACE_TAIL, keepFullTrace);
        this.network = new SimNetwork(random);
        this.core = core;
        this.storages = storages;
        this.checker = new SafetyChecker(this::failure, 1, 1, Hashes.BOOTSTRAP);
        network.dropProbability(config.drop());
        network.duplicateProbability(config.duplicate());
        ConfState.Builder cs = ConfState.newBuilder();
        for (long id = 1; id <= nodeCount; id++) {
            cs.addVoters(id);
        }
        bootstrapConf = cs.build();
        Snapshot boot = Snapshot.newBuilder().setData(Hashes.toBytes(Hashes.BOOTSTRAP))
                .setMetadata(SnapshotMetadata.newBuilder().setIndex(1).setTerm(1).setConfState(bootstrapConf))
                .build();
        for (long id = 1; id <= nodeCount; id++) {
            SimNode n = new SimNode(id);
            n.durable.applySnapshot(boot, Hashes.BOOTSTRAP);
            n.durable.hardState = HardState.newBuilder().setTerm(1).setCommit(1).build();
            nodes.put(id, n);
            initialMembers.add(n);
        }
        nextNodeId = nodeCount + 1;
        trace.add("config " + config);
        for (SimNode n : nodes.values()) {
            start(n);
        }
    }

    // --- the run --------------------------------------------------------------------------------------------

    /** The chaotic phase, then the liveness phase; throws AssertionError on any violation. */
    void run() {
        try {
            for (int i = 0; i < config.steps(); i++) {
                step();
            }
            liveness();
        } catch (RuntimeException e) {
            AssertionError failure = failure("the core threw " + e);
            failure.initCause(e);
            throw failure;
        }
    }

    void step() {
        step++;
        trace.step(step);
        int r = random.nextInt(1000);
        if (r < 200) {
            tickAll();
        } else if (r < 250) {
            tick(pickUp()); // clocks drift: one node's tick
        } else if (r < 630) {
            int burst = 1 + random.nextInt(8);
            for (int i = 0; i < burst; i++) {
                deliver();
            }
        } else if (r < 750) {
            propose(pickUp());
        } else if (r < 780) {
            readIndex(pickUp());
        } else if (r < 800) {
            SimNode n = pickUp();
            if (n != null) {
                handleReady(n);
            }
        } else if (r < 810) {
            crash(pickUp());
        } else if (r < 840) {
            restart(pickDown());
        } else if (r < 847) {
            partitionRandom();
        } else if (r < 854) {
            isolateRandom();
        } else if (r < 858) {
            cutRandomLink();
        } else if (r < 860) {
            ignoreRandomType();
        } else if (r < 885) {
            heal();
        } else if (r < 910) {
            takeSnapshot(pickUp());
        } else if (r < 950) {
            if (config.confChanges()) {
                proposeConfChange(pickUp());
            } else {
                tickAll();
            }
        } else if (r < 975) {
            campaign(pickUp());
        } else {
            transferLeader(pickUp());
        }
        for (SimNode n : List.copyOf(nodes.values())) {
            if (n.up() && random.nextDouble() < config.readyProbability() && n.raft.hasReady()) {
                handleReady(n);
            }
        }
        if (swapStart != null) {
            if (swapRandom.nextInt(1000) < SWAP_PER_MILLE) {
                swap(pickUp(swapRandom));
            }
            resendReads();
        }
        if (!config.confChanges()) {
            checker.checkDurableQuorum(initialMembers);
        }
    }

    /**
     * Heals the network, stops faults, restarts every crashed member, then ticks every node and delivers
     * until the group has a leader and a fresh proposal is applied on every live member, within
     * {@link #LIVENESS_ROUNDS} rounds.
     */
    void liveness() {
        step++;
        trace.step(step);
        trace.add("=== liveness phase: heal, no drops, restart all ===");
        network.heal();
        network.clearHooks();
        network.dropProbability(0);
        network.duplicateProbability(0);
        for (SimNode n : nodes.values()) {
            if (!n.up() && !n.removed) {
                restart(n);
            }
        }
        long target = 0;
        int lastProposalRound = -1_000_000;
        for (int round = 0; round < LIVENESS_ROUNDS; round++) {
            step++;
            trace.step(step);
            for (SimNode n : List.copyOf(nodes.values())) {
                if (n.up()) {
                    tick(n);
                }
            }
            // applications snapshot regularly; without it (and without merged snapshots), a member added
            // after the leader's last snapshot could never catch up: raft refuses a snapshot whose
            // ConfState lacks the receiver
            for (SimNode n : List.copyOf(nodes.values())) {
                if (n.up() && n.applied > n.durable.snapshotIndex() + 2) {
                    takeSnapshot(n);
                }
            }
            quiesce();
            SimNode leader = currentLeader();
            if (leader == null) {
                continue;
            }
            stopNonMembers(leader.conf);
            if (target > 0 && allMembersSaw(leader.conf, target)) {
                trace.add("liveness: live-" + target + " applied on every live member after " + round + " rounds");
                return;
            }
            if (round - lastProposalRound >= 2 * SimConfig.ELECTION_TICK) {
                livenessSeq++;
                target = livenessSeq;
                lastProposalRound = round;
                ByteString data = LIVENESS_PREFIX.concat(ByteString.copyFromUtf8(Long.toString(target)));
                try {
                    leader.raft.propose(data);
                    trace.add("n" + leader.id + " propose " + Describe.data(data));
                } catch (ProposalDroppedException e) {
                    trace.add("n" + leader.id + " propose " + Describe.data(data) + " dropped: " + e.getMessage());
                }
                quiesce();
                if (allMembersSaw(leader.conf, target)) {
                    trace.add("liveness: live-" + target + " applied on every live member after " + round + " rounds");
                    return;
                }
            }
        }
        throw failure("liveness: after healing, no leader committed a fresh proposal on every live member within "
                + LIVENESS_ROUNDS + " rounds of ticks (leader: " + currentLeader() + ")");
    }

    /**
     * Delivers and processes Readys until nothing is pending, or for at most 5,000 rounds: a storm that
     * makes no progress (e.g. a snapshot refused and resent) is not a failure in itself; the liveness
     * condition decides.
     */
    private void quiesce() {
        for (int i = 0; i < 5_000; i++) {
            boolean any = false;
            for (SimNode n : List.copyOf(nodes.values())) {
                if (n.up() && n.raft.hasReady()) {
                    handleReady(n);
                    any = true;
                }
            }
            if (network.pendingCount() > 0) {
                deliver();
                any = true;
            }
            if (!any) {
                return;
            }
        }
        trace.add("quiesce: still busy after 5000 rounds (" + network.pendingCount() + " pending)");
    }

    private SimNode currentLeader() {
        SimNode best = null;
        long bestTerm = -1;
        for (SimNode n : nodes.values()) {
            if (n.up()) {
                RaftStatus st = n.raft.status();
                if (st.role() == RaftRole.LEADER && st.term() > bestTerm) {
                    best = n;
                    bestTerm = st.term();
                }
            }
        }
        // the leader must be current: no up member of its configuration has a higher term (a removed node
        // that missed its removal may campaign at ever higher terms; it is stopped once a leader is known)
        for (SimNode n : nodes.values()) {
            if (best != null && n.up() && n.isMember(best.conf) && n.raft.status().term() > bestTerm) {
                return null;
            }
        }
        return best;
    }

    private boolean allMembersSaw(ConfState conf, long target) {
        for (SimNode n : nodes.values()) {
            if (n.up() && n.isMember(conf) && n.livenessSeen < target) {
                return false;
            }
        }
        return true;
    }

    /** As etcd's server would after the member was removed: nodes outside the leader's config stop. */
    private void stopNonMembers(ConfState conf) {
        for (SimNode n : nodes.values()) {
            if (!n.removed && !n.isMember(conf)) {
                trace.add("n" + n.id + " is not a member of " + Describe.confState(conf) + ": stopped for good");
                n.removed = true;
                down(n);
            }
        }
    }

    // --- actions --------------------------------------------------------------------------------------------

    private SimNode pickUp() {
        return pickUp(random);
    }

    private SimNode pickUp(Random from) {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (n.up()) {
                up.add(n);
            }
        }
        return up.isEmpty() ? null : up.get(from.nextInt(up.size()));
    }

    private SimNode pickDown() {
        List<SimNode> down = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (!n.up() && !n.removed) {
                down.add(n);
            }
        }
        return down.isEmpty() ? null : down.get(random.nextInt(down.size()));
    }

    private List<Long> ids() {
        return new ArrayList<>(nodes.keySet());
    }

    private void tickAll() {
        trace.add("tick all");
        for (SimNode n : List.copyOf(nodes.values())) {
            if (n.up()) {
                n.raft.tick();
            }
        }
    }

    private void tick(SimNode n) {
        if (n == null) {
            return;
        }
        trace.add("n" + n.id + " tick");
        n.raft.tick();
    }

    private void deliver() {
        SimNetwork.Delivery d = network.next();
        if (d == null) {
            return;
        }
        Message m = d.message();
        SimNode from = nodes.get(m.getFrom());
        SimNode to = nodes.get(m.getTo());
        if (!d.delivered()) {
            trace.add(() -> "drop(" + d.fate() + ") " + Describe.message(m));
            if (from != null && from.up()) {
                if (m.getType() == MessageType.MsgSnap) {
                    from.raft.reportSnapshot(m.getTo(), true);
                } else if (d.fate() == SimNetwork.Fate.DROP_CUT) {
                    from.raft.reportUnreachable(m.getTo());
                }
            }
            return;
        }
        if (to == null || !to.up()) {
            String why = to == null ? "unknown" : to.removed ? "removed" : "down";
            trace.add(() -> "lost(" + why + ") " + Describe.message(m));
            if (m.getType() == MessageType.MsgSnap && from != null && from.up()) {
                from.raft.reportSnapshot(m.getTo(), true);
            }
            return;
        }
        boolean dup = d.fate() == SimNetwork.Fate.DUPLICATE;
        trace.add(() -> (dup ? "deliver(dup) " : "deliver ") + Describe.message(m));
        try {
            to.raft.step(m);
        } catch (ProposalDroppedException e) {
            // a forwarded proposal the receiver cannot take (no leader, transferring): etcd's server logs
            // and drops it too; the proposer's client would time out
            if (m.getType() != MessageType.MsgProp) {
                throw failure("node " + to.id + " refused " + Describe.message(m) + " with " + e);
            }
            trace.add("n" + to.id + " dropped the forwarded proposal: " + e.getMessage());
        }
        if (m.getType() == MessageType.MsgSnap && from != null && from.up()) {
            from.raft.reportSnapshot(m.getTo(), false);
        }
    }

    private void propose(SimNode n) {
        if (n == null) {
            return;
        }
        proposals++;
        ByteString data = ByteString.copyFrom("p" + proposals, StandardCharsets.US_ASCII);
        try {
            n.raft.propose(data);
            trace.add(() -> "n" + n.id + " propose " + Describe.data(data));
        } catch (ProposalDroppedException e) {
            trace.add("n" + n.id + " propose " + Describe.data(data) + " dropped: " + e.getMessage());
        }
    }

    private void readIndex(SimNode n) {
        if (n == null) {
            return;
        }
        reads++;
        ByteString ctx = ByteString.copyFrom("r" + reads, StandardCharsets.US_ASCII);
        checker.onReadRequest(n, ctx, step);
        try {
            n.raft.readIndex(ctx);
            n.readsInFlight.add(ctx);
            trace.add("n" + n.id + " readIndex " + Describe.data(ctx) + " (committed now: " + checker.commit() + ")");
        } catch (ProposalDroppedException e) {
            trace.add("n" + n.id + " readIndex " + Describe.data(ctx) + " dropped: " + e.getMessage());
        }
    }

    private void campaign(SimNode n) {
        if (n == null) {
            return;
        }
        trace.add("n" + n.id + " campaign");
        n.raft.campaign();
        afterInput(n);
    }

    private void transferLeader(SimNode n) {
        if (n == null || n.conf.getVotersCount() < 2) {
            return;
        }
        long to = n.conf.getVoters(random.nextInt(n.conf.getVotersCount()));
        trace.add("n" + n.id + " transferLeader to " + to);
        n.raft.transferLeader(to);
    }

    private void crash(SimNode n) {
        if (n == null) {
            return;
        }
        crashes++;
        trace.add("n" + n.id + " CRASH (unpersisted state lost) " + n.durable.describe());
        down(n);
    }

    private void down(SimNode n) {
        n.raft = null;
        n.storage = null;
        // the client of a read on a member that went down sees an error: nobody asks again
        n.readsInFlight.clear();
        n.readsToResend.clear();
        checker.forgetNode(n.id);
    }

    private void restart(SimNode n) {
        if (n == null) {
            return;
        }
        trace.add("n" + n.id + " RESTART from " + n.durable.describe());
        start(n);
        afterInput(n);
    }

    private void start(SimNode n) {
        n.incarnation++;
        SimStorage s = storages.get();
        n.durable.restoreInto(s);
        Snapshot snap = n.durable.snapshot;
        n.applied = snap.getMetadata().getIndex();
        n.digest = n.durable.snapshotHash;
        n.conf = snap.getMetadata().getConfState();
        n.storage = s;
        n.raft = core.create(nodeConfig(n.id, n.applied, random), s.raft());
    }

    private RaftNodeConfig nodeConfig(long id, long applied, Random from) {
        return RaftNodeConfig.builder(id).electionTick(SimConfig.ELECTION_TICK)
                .heartbeatTick(SimConfig.HEARTBEAT_TICK).applied(applied).maxSizePerMsg(config.maxSizePerMsg())
                .maxInflightMsgs(config.maxInflight()).maxUncommittedEntriesSize(config.maxUncommitted())
                .checkQuorum(config.checkQuorum()).preVote(config.preVote())
                .random(new SplittableRandom(from.nextLong())).logger(logger(id)).build();
    }

    /**
     * Replaces the node's raft node by a fresh one from the same core, over the same storage, as the server's
     * RaftLoop.replaceCore does, with its rules:
     * <ol>
     *   <li>the swap waits until the node's Readies are all handled (persisted, sent, applied, advanced), so
     *       nothing raft holds only in memory (unstable entries, messages, committed entries) is lost: the new
     *       node sees exactly the log and HardState the old one left;</li>
     *   <li>it waits while a conf change is handed out and not yet applied to the node (RaftLoop's apply loop
     *       is asynchronous); this driver applies a Ready's entries before advancing it, so after (1) there is
     *       none, which is asserted rather than waited for;</li>
     *   <li>the new node starts from {@link #swapStart} ({@link #APPLIED_STATE}: the old node's applied index
     *       and the configuration applied so far, not the snapshot's);</li>
     *   <li>the reads the old node had not answered are asked again of the new node ({@link #resendReads}).</li>
     * </ol>
     * Unlike a crash, the state machine (applied index, digest, membership) stays as it is.
     */
    private void swap(SimNode n) {
        if (n == null) {
            return;
        }
        while (n.up() && n.raft.hasReady()) {
            handleReady(n);
        }
        if (!n.up()) {
            return; // it applied its own removal
        }
        RaftStatus old = n.raft.status();
        if (old.applied() != n.applied) {
            throw failure("swap: node " + n.id + "'s raft node has handed out entries up to " + old.applied()
                    + " but the state machine applied " + n.applied + " (a conf change may be unapplied)");
        }
        SwapStart from = swapStart.apply(n);
        swaps++;
        if (old.role() == RaftRole.LEADER) {
            leaderSwaps++;
        }
        checker.forgetNode(n.id);
        // the storage's HardState is the old node's last persisted one: its Readies are all handled
        RaftStorage log = n.storage.raft();
        n.raft = core.create(nodeConfig(n.id, from.applied(), swapRandom),
                new ConfiguredStorage(log, () -> log.initialState().hardState(), from.conf()));
        n.readsToResend.addAll(n.readsInFlight);
        n.readsInFlight.clear();
        trace.add("n" + n.id + " SWAP raft node (was " + old.role() + " term " + old.term() + " commit "
                + old.commit() + "): applied " + from.applied() + ", conf " + Describe.confState(from.conf())
                + ", reads to resend " + n.readsToResend.size());
        afterInput(n);
    }

    /** Asks the swapped-in nodes that know a leader the reads their predecessors left unanswered. */
    private void resendReads() {
        for (SimNode n : nodes.values()) {
            if (n.up() && !n.readsToResend.isEmpty() && n.raft.status().lead() != 0) {
                // the same context: the checker then holds the answer to the commit index known when the
                // client first asked, the stricter bound (RaftLoop takes a new one only to tell a late answer
                // to an abandoned request from the current one, which the checker does by context anyway)
                for (ByteString ctx : n.readsToResend) {
                    try {
                        n.raft.readIndex(ctx);
                        n.readsInFlight.add(ctx);
                        readsResent++;
                        trace.add("n" + n.id + " readIndex " + Describe.data(ctx) + " again (asked before a swap)");
                    } catch (ProposalDroppedException e) {
                        trace.add("n" + n.id + " readIndex " + Describe.data(ctx) + " again dropped: "
                                + e.getMessage());
                    }
                }
                n.readsToResend.clear();
            }
        }
    }

    private void partitionRandom() {
        List<Long> ids = ids();
        if (ids.size() < 2) {
            return;
        }
        Collections.shuffle(ids, random);
        int k = 1 + random.nextInt(ids.size() - 1);
        List<Long> a = ids.subList(0, k);
        List<Long> b = ids.subList(k, ids.size());
        network.partition(a, b);
        trace.add("partition " + a + " | " + b);
    }

    private void isolateRandom() {
        List<Long> ids = ids();
        long id = ids.get(random.nextInt(ids.size()));
        network.isolate(id, ids);
        trace.add("isolate n" + id);
    }

    private void cutRandomLink() {
        List<Long> ids = ids();
        long a = ids.get(random.nextInt(ids.size()));
        long b = ids.get(random.nextInt(ids.size()));
        if (a != b) {
            network.cut(a, b);
            trace.add("cut " + a + "->" + b);
        }
    }

    private void heal() {
        if (network.partitioned()) {
            trace.add("heal (was cut: " + network.describeCuts() + ")");
            network.heal();
        }
        if (!ignoredTypes.isEmpty()) {
            trace.add("recover " + ignoredTypes);
            for (MessageType t : ignoredTypes) {
                network.recover(t);
            }
            ignoredTypes.clear();
        }
    }

    private static final MessageType[] IGNORABLE = {MessageType.MsgApp, MessageType.MsgAppResp,
        MessageType.MsgHeartbeat, MessageType.MsgHeartbeatResp, MessageType.MsgVote, MessageType.MsgVoteResp,
        MessageType.MsgPreVote, MessageType.MsgPreVoteResp, MessageType.MsgSnap, MessageType.MsgReadIndex,
        MessageType.MsgReadIndexResp, MessageType.MsgProp, MessageType.MsgTimeoutNow};
    private final List<MessageType> ignoredTypes = new ArrayList<>();

    /** Drops every message of one type until the next heal (a one-sided protocol failure). */
    private void ignoreRandomType() {
        MessageType t = IGNORABLE[random.nextInt(IGNORABLE.length)];
        if (!ignoredTypes.contains(t)) {
            ignoredTypes.add(t);
            network.ignore(t);
            trace.add("ignore " + t);
        }
    }

    /** Snapshots the node's state machine at its applied index and compacts its log, keeping a random tail. */
    private void takeSnapshot(SimNode n) {
        if (n == null || n.applied <= n.durable.snapshotIndex()) {
            return;
        }
        long i = n.applied;
        ByteString data = Hashes.toBytes(n.digest);
        n.storage.createSnapshot(i, n.conf, data);
        n.durable.createSnapshot(i, n.conf, data, n.digest);
        long compactTo = i - random.nextInt(4);
        if (compactTo > n.durable.baseIndex) {
            n.storage.compact(compactTo);
            n.durable.compact(compactTo);
        }
        snapshotsTaken++;
        trace.add("n" + n.id + " snapshot at " + i + ", compact to " + Math.max(compactTo, n.durable.baseIndex));
    }

    /** A membership change decided from the node's applied configuration; only leaders propose. */
    private void proposeConfChange(SimNode n) {
        if (n == null || n.raft.status().role() != RaftRole.LEADER) {
            return;
        }
        List<Long> voters = n.conf.getVotersList();
        List<Long> learners = n.conf.getLearnersList();
        int maxVoters = config.nodes() + 2;
        List<ConfChange> options = new ArrayList<>();
        if (voters.size() + learners.size() < maxVoters + 1) {
            options.add(cc(ConfChangeType.ConfChangeAddLearnerNode, nextNodeId));
            if (voters.size() < maxVoters) {
                options.add(cc(ConfChangeType.ConfChangeAddNode, nextNodeId));
            }
        }
        if (voters.size() < maxVoters) {
            for (long l : learners) {
                options.add(cc(ConfChangeType.ConfChangeAddNode, l));
            }
        }
        if (voters.size() > 3) {
            for (long v : voters) {
                options.add(cc(ConfChangeType.ConfChangeRemoveNode, v));
            }
        }
        for (long l : learners) {
            options.add(cc(ConfChangeType.ConfChangeRemoveNode, l));
        }
        if (options.isEmpty()) {
            return;
        }
        ConfChange cc = options.get(random.nextInt(options.size()));
        if (cc.getNodeId() == nextNodeId) {
            nextNodeId++;
        }
        try {
            n.raft.proposeConfChange(cc);
            trace.add("n" + n.id + " proposeConfChange " + cc.getType().name() + " " + cc.getNodeId());
        } catch (ProposalDroppedException e) {
            trace.add("n" + n.id + " proposeConfChange " + cc.getType().name() + " " + cc.getNodeId() + " dropped: "
                    + e.getMessage());
        }
    }

    private ConfChange cc(ConfChangeType type, long id) {
        return ConfChange.newBuilder().setId(++confChangeSeq).setType(type).setNodeId(id).build();
    }

    // --- the Ready loop -------------------------------------------------------------------------------------

    /**
     * Election safety is checked on the status after each Ready (a new leader always has one: its
     * SoftState and empty entry) rather than after every input, which keeps status() off the hot path.
     */
    private void afterInput(SimNode n) {
        if (n.up()) {
            checker.onStatus(n, n.raft.status());
        }
    }

    /**
     * Processes one Ready as etcd's server does with synchronous storage: persist (snapshot, entries,
     * HardState), send the messages, apply the snapshot and the committed entries (conf changes through
     * applyConfChange), hand over read states, advance.
     */
    void handleReady(SimNode n) {
        Ready rd = n.raft.ready();
        trace.add(() -> describeReady(n.id, rd));

        // 1. persist: snapshot, entries, HardState (one atomic, synced write, like etcd's WAL save)
        Snapshot snap = rd.snapshot();
        boolean hasSnap = snap != null && snap.getMetadata().getIndex() > 0;
        long snapHash = 0;
        if (hasSnap) {
            snapHash = Hashes.fromBytes(snap.getData());
            checker.onSnapshot(n, snap, snapHash);
            n.durable.applySnapshot(snap, snapHash);
            n.storage.applySnapshot(snap);
            snapshotsInstalled++;
        }
        if (!rd.entries().isEmpty()) {
            List<Entry> removed = n.durable.append(rd.entries());
            checker.onAppend(n, removed, n.durable, rd.entries().get(0).getIndex());
            n.storage.append(rd.entries());
        }
        if (rd.hardState() != null) {
            checker.onHardState(n, n.durable.hardState, rd.hardState(), n.durable);
            n.durable.hardState = rd.hardState();
            n.storage.setHardState(rd.hardState());
        }
        checker.afterPersist(n, n.durable.hardState.getTerm());

        // 2. send
        for (Message m : rd.messages()) {
            // followers forward MsgProp, MsgReadIndex (From = the requester) and MsgTransferLeader (From = the
            // transferee) as etcd-io/raft does
            boolean fromOk = m.getFrom() == n.id || m.getType() == MessageType.MsgTransferLeader
                    || m.getType() == MessageType.MsgProp || m.getType() == MessageType.MsgReadIndex;
            if (!fromOk || m.getTo() == n.id || isLocal(m.getType())) {
                throw failure("node " + n.id + " emitted a message that cannot go on the wire: " + Describe.message(m));
            }
        }
        for (Message m : rd.messages()) {
            checker.onSend(n, m);
            network.send(m.getType() == MessageType.MsgSnap && config.mergedSnapshots() ? merged(n, m) : m);
        }

        // 3. apply
        if (hasSnap) {
            n.applied = snap.getMetadata().getIndex();
            n.digest = snapHash;
            n.conf = snap.getMetadata().getConfState();
        }
        for (Entry e : rd.committedEntries()) {
            apply(n, e);
            if (!n.up()) {
                return; // it applied its own removal and shut down; the rest of this Ready is moot
            }
        }
        for (ReadState rs : rd.readStates()) {
            checker.onReadState(n, rs);
            n.readsInFlight.remove(rs.requestContext());
        }
        n.raft.advance(rd);
        afterInput(n);
    }

    private static String describeReady(long id, Ready rd) {
        StringBuilder sb = new StringBuilder("n").append(id).append(" ready");
        if (rd.softState() != null) {
            sb.append(" soft{lead ").append(rd.softState().lead()).append(' ').append(rd.softState().role()).append('}');
        }
        if (rd.hardState() != null) {
            sb.append(" hs{").append(Describe.hardState(rd.hardState())).append('}');
        }
        if (rd.snapshot() != null && rd.snapshot().getMetadata().getIndex() > 0) {
            sb.append(" snap ").append(rd.snapshot().getMetadata().getTerm()).append('/')
                    .append(rd.snapshot().getMetadata().getIndex());
        }
        if (!rd.entries().isEmpty()) {
            sb.append(" ents ").append(Describe.entries(rd.entries()));
        }
        if (!rd.committedEntries().isEmpty()) {
            sb.append(" commit ").append(Describe.entries(rd.committedEntries()));
        }
        if (!rd.messages().isEmpty()) {
            sb.append(" msgs ").append(rd.messages().size());
            for (Message m : rd.messages()) {
                sb.append("\n      > ").append(Describe.message(m));
            }
        }
        if (!rd.readStates().isEmpty()) {
            sb.append(" reads");
            for (ReadState rs : rd.readStates()) {
                sb.append(' ').append(Describe.data(rs.requestContext())).append('@').append(rs.index());
            }
        }
        return sb.toString();
    }

    /**
     * etcd's server does not send raft's storage snapshot as is: it sends one of its current applied state
     * with the current membership (createMergedSnapshotMessage). Without that, a member added after the
     * last snapshot refuses every snapshot (its ConfState lacks it) until the leader takes a new one.
     */
    private Message merged(SimNode n, Message m) {
        long i = n.applied;
        if (i <= m.getSnapshot().getMetadata().getIndex() || !n.durable.covers(i)) {
            return m;
        }
        Snapshot s = Snapshot.newBuilder().setData(Hashes.toBytes(n.digest)).setMetadata(SnapshotMetadata.newBuilder()
                .setIndex(i).setTerm(n.durable.termAt(i)).setConfState(n.conf)).build();
        trace.add("n" + n.id + " merged snapshot for " + m.getTo() + ": " + s.getMetadata().getTerm() + "/" + i
                + " instead of " + m.getSnapshot().getMetadata().getTerm() + "/" + m.getSnapshot().getMetadata().getIndex());
        return m.toBuilder().setSnapshot(s).build();
    }

    private void apply(SimNode n, Entry e) {
        if (e.getIndex() != n.applied + 1) {
            throw failure("node " + n.id + " was handed committed entry " + Describe.entry(e) + " after applying "
                    + n.applied);
        }
        if (e.getIndex() > n.durable.hardState.getCommit()) {
            throw failure("node " + n.id + " was handed " + Describe.entry(e) + " to apply above its persisted commit "
                    + n.durable.hardState.getCommit());
        }
        long digest = Hashes.chain(n.digest, e);
        checker.onApply(n, e, digest);
        n.applied = e.getIndex();
        n.digest = digest;
        if (e.getType() == EntryType.EntryConfChange) {
            ConfChange cc;
            try {
                cc = ConfChange.parseFrom(e.getData());
            } catch (InvalidProtocolBufferException ex) {
                throw failure("node " + n.id + " cannot parse the conf change at " + e.getIndex() + ": " + ex);
            }
            n.conf = n.raft.applyConfChange(cc);
            confChangesApplied++;
            checker.onConfApplied(n, e.getIndex(), n.conf);
            trace.add("n" + n.id + " applied " + cc.getType().name() + " " + cc.getNodeId() + " at " + e.getIndex()
                    + " -> " + Describe.confState(n.conf));
            onMembershipApplied(n, cc);
        } else if (e.getType() == EntryType.EntryConfChangeV2) {
            throw failure("node " + n.id + " committed a ConfChangeV2 at " + e.getIndex()
                    + " though the driver only proposes v1 changes");
        } else if (e.getData().startsWith(LIVENESS_PREFIX)) {
            long v = Long.parseLong(e.getData().substring(LIVENESS_PREFIX.size()).toStringUtf8());
            n.livenessSeen = Math.max(n.livenessSeen, v);
        }
    }

    /** Starts a node the first time its addition is applied; shuts down a node that applies its own removal. */
    private void onMembershipApplied(SimNode n, ConfChange cc) {
        long id = cc.getNodeId();
        if (cc.getType() == ConfChangeType.ConfChangeRemoveNode) {
            if (id == n.id) {
                trace.add("n" + n.id + " applied its own removal: shut down");
                n.removed = true;
                down(n);
            }
        } else if (!nodes.containsKey(id)) {
            SimNode added = new SimNode(id);
            nodes.put(id, added);
            trace.add("n" + id + " START (new member, empty storage)");
            start(added);
        }
    }

    private static boolean isLocal(MessageType t) {
        return switch (t) {
            case MsgHup, MsgBeat, MsgUnreachable, MsgSnapStatus, MsgCheckQuorum, MsgStorageAppend,
                    MsgStorageAppendResp, MsgStorageApply, MsgStorageApplyResp -> true;
            default -> false;
        };
    }

    private RaftLogger logger(long id) {
        String prefix = "n" + id + " log ";
        return new RaftLogger() {
            @Override
            public void debug(String msg, Object... args) {
            }

            @Override
            public void info(String msg, Object... args) {
                trace.add(() -> prefix + format(msg, args));
            }

            @Override
            public void warn(String msg, Object... args) {
                trace.add(prefix + "WARN " + format(msg, args));
            }
        };
    }

    private static String format(String msg, Object... args) {
        if (args == null || args.length == 0) {
            return msg;
        }
        StringBuilder sb = new StringBuilder();
        int a = 0;
        int i = 0;
        while (i < msg.length()) {
            int j = msg.indexOf("{}", i);
            if (j < 0 || a >= args.length) {
                sb.append(msg, i, msg.length());
                break;
            }
            sb.append(msg, i, j).append(String.valueOf(args[a++]).replace('\n', ' '));
            i = j + 2;
        }
        return sb.toString();
    }

    // --- reporting ------------------------------------------------------------------------------------------

    AssertionError failure(String message) {
        StringBuilder sb = new StringBuilder();
        sb.append("raft simulation failed: ").append(message).append('\n');
        sb.append("  replay: mvn test -Dtest='RaftSimTest#").append(config.nodes() == 3 ? "threeNodes" : "fiveNodes")
                .append(config.confChanges() ? "WithMembershipChanges" : "").append("' -Dsim.seed=")
                .append(config.seed()).append(" -Dsim.steps=").append(config.steps())
                .append(swapStart == null ? " -Dsim.swaps=false" : "").append('\n');
        sb.append("  config: ").append(config).append('\n');
        sb.append("  step ").append(step).append(", committed ").append(checker.commit()).append(", network: cut ")
                .append(network.describeCuts()).append(", ").append(network.pendingCount()).append(" pending\n");
        for (SimNode n : nodes.values()) {
            sb.append("  ").append(n);
            if (n.up()) {
                RaftStatus st = n.raft.status();
                sb.append(" status{term ").append(st.term()).append(" vote ").append(st.vote()).append(" commit ")
                        .append(st.commit()).append(" lead ").append(st.lead()).append(' ').append(st.role())
                        .append('}');
            }
            sb.append('\n');
        }
        sb.append("  last ").append(Math.min(trace.count(), TRACE_TAIL)).append(" of ").append(trace.count())
                .append(" events:\n");
        sb.append(trace.tail());
        return new AssertionError(sb.toString());
    }

    /** One line of what the run did, for the test log. */
    String summary() {
        return "seed " + config.seed() + ": " + step + " steps, commit " + checker.commit() + ", terms "
                + checker.leaders().size() + ", crashes " + crashes + ", snapshots " + snapshotsTaken + "/"
                + snapshotsInstalled + ", conf changes applied " + confChangesApplied + ", reads checked "
                + checker.readsChecked() + ", swaps " + swaps + " (" + leaderSwaps + " of leaders, " + readsResent
                + " reads asked again), checks " + checker.checks();
    }

    long committed() {
        return checker.commit();
    }

    int snapshotsInstalled() {
        return snapshotsInstalled;
    }

    int confChangesApplied() {
        return confChangesApplied;
    }

    int swaps() {
        return swaps;
    }

    int leaderSwaps() {
        return leaderSwaps;
    }

    int readsResent() {
        return readsResent;
    }

    long readsChecked() {
        return checker.readsChecked();
    }
}
