package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.api.raft.CompactedException;
import io.ketcd.api.raft.ConfiguredStorage;
import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.ReadState;
import io.ketcd.api.raft.Ready;
import io.ketcd.api.raft.SoftState;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.walpb.WalSnapshot;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.storage.BackendSnapshot;
import io.ketcd.storage.Snapshotter;
import io.ketcd.storage.Wal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the raft node (etcd's raftNode goroutine): it feeds the node its
 * inputs (ticks, proposals, peer messages, read requests, membership changes) and handles each
 * {@link Ready} in raft's order: persist the snapshot, entries and hard state to the WAL with one
 * fsync, then send the messages, then hand committed entries to the apply loop, then advance.
 * Everything queued since the last round goes into the same Ready, so one fsync covers them all.
 *
 * <p>Other threads talk to the node only through {@link #submit}, which queues work for this
 * thread; the queue is bounded, and a full queue is reported to the caller.
 */
final class RaftLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);
    /** Tasks run per round before the Ready is handled: bounds a round's latency. */
    static final int MAX_TASKS_PER_ROUND = 4096;
    /** etcd re-sends a read index request that got no answer after this long (readIndexRetryTime). */
    private static final long READ_INDEX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** The node this loop drives; replaced only on the loop thread, between rounds ({@link #replaceCore}). */
    private RaftNode node;
    private final LongFunction<RaftNodeConfig> nodeConfig;
    private final MemoryStorage storage;
    private final Wal wal;
    private final Snapshotter snapshotter;
    private final BlockingQueue<Consumer<RaftNode>> inbox;
    private final long tickNanos;
    /** How long a leader waits for its leadership to be taken over before it changes its core anyway. */
    private final long handOverNanos;
    private final long catchUpEntries;
    private final ApplyLoop applyLoop;
    private final Supplier<BackendSnapshot> backendSnapshot;
    private final Consumer<Throwable> onFatal;
    private volatile PeerTransport transport;
    /** Told on the loop thread when this member stops leading (the lessor is demoted then). */
    private volatile Runnable leadershipLost = () -> { };

    // read index batching; touched on the loop thread only
    private List<CompletableFuture<Long>> pendingReads = new ArrayList<>();
    /** Leader transfers waiting to see their transferee lead; touched only by the loop thread. */
    private final List<LeaderWait> leaderWaits = new ArrayList<>();
    private List<CompletableFuture<Long>> inflightReads = new ArrayList<>();
    private ByteString inflightReadContext;
    private long inflightReadSince;
    private long readContextSeq;

    private volatile long lead;
    private volatile RaftRole role = RaftRole.FOLLOWER;
    private volatile long term;
    private volatile long committedIndex;
    private volatile long snapshotIndex;
    /**
     * Configuration changes handed to the apply loop and not yet applied to the node. The clock
     * stands still meanwhile, as etcd's raft loop waits for them: a node whose configuration is
     * still being rebuilt (a restart replays it change by change) must not time out and campaign
     * in a partial configuration, e.g. one where it is the only voter.
     */
    private int unappliedConfChanges;
    /** The configuration applied to the node so far: what a replacement node starts with. */
    private ConfState confState;
    /** Set by {@link #campaign}: campaign once the applied configuration has this member as its only voter. */
    private boolean campaignAsSoleVoter;
    /** Cores announced to build the next node from, once the current round's Readies are handled. */
    private final CoreChanges coreChanges = new CoreChanges();
    /** What the released node had applied: where the next node starts. */
    private long appliedAtRelease;
    /** While a leader hands over its leadership before a core change: when it stops waiting; 0 otherwise. */
    private long handOverUntil;
    /** Proposals raft would drop during a hand-over or before a new node knows its leader. */
    private final HeldProposals held = new HeldProposals();
    /** No node and none coming yet: proposals and reads fail at once rather than wait in the queue. */
    private volatile boolean coreless;
    private volatile boolean stopping;

    /**
     * @param nodeConfig the configuration of a node that the owner has applied up to the given
     *     index; the loop builds its first node with it from {@code core}, and every replacement
     */
    RaftLoop(RaftCore core, LongFunction<RaftNodeConfig> nodeConfig, long applied, MemoryStorage storage, Wal wal,
             Snapshotter snapshotter, int inboxCapacity, long tickMillis, long catchUpEntries, ApplyLoop applyLoop,
             Supplier<BackendSnapshot> backendSnapshot, Consumer<Throwable> onFatal) {
        this.node = core.create(nodeConfig.apply(applied), storage);
        this.nodeConfig = nodeConfig;
        this.confState = storage.snapshot().getMetadata().getConfState();
        this.storage = storage;
        this.wal = wal;
        this.snapshotter = snapshotter;
        this.inbox = new LinkedBlockingQueue<>(inboxCapacity);
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        this.handOverNanos = tickNanos * nodeConfig.apply(applied).electionTick();
        this.catchUpEntries = catchUpEntries;
        this.applyLoop = applyLoop;
        this.backendSnapshot = backendSnapshot;
        this.onFatal = onFatal;
        RaftStatus s = this.node.status();
        this.term = s.term();
        this.committedIndex = s.commit();
        this.snapshotIndex = storage.snapshot().getMetadata().getIndex();
    }

    /** Sets where messages go; before {@link #run()} starts. */
    void attach(PeerTransport transport) {
        this.transport = transport;
    }

    /** Sets who is told when this member stops leading; before {@link #run()} starts. */
    void onLeadershipLost(Runnable leadershipLost) {
        this.leadershipLost = leadershipLost;
    }

    /**
     * Makes the loop return after its current round. Not by interrupting it: an interrupt
     * during the WAL's fsync closes the WAL's channel under it.
     */
    void stop() {
        stopping = true;
        inbox.offer(n -> { }); // wakes a loop waiting for work; a full inbox wakes it anyway
        coreChanges.wake(); // and one waiting for a core
    }

    /** Queues work for the loop thread; false when the inbox is full. */
    boolean submit(Consumer<RaftNode> task) {
        return inbox.offer(task);
    }

    /**
     * Runs {@code proposal} (a request or a membership change) on the loop thread; {@code
     * dropped} gets the error if raft refuses it (no leader, a leader transfer) so the proposer's
     * waiter fails at once instead of timing out.
     *
     * @return false when the inbox is full
     */
    boolean propose(Consumer<RaftNode> proposal, Consumer<RuntimeException> dropped) {
        if (coreless) {
            // nothing would take it until a core is back: fail now, as a member without a leader does
            dropped.accept(EtcdError.NO_LEADER.exception());
            return true;
        }
        return submit(n -> proposeOrHold(n, proposal, dropped));
    }

    private void proposeOrHold(RaftNode n, Consumer<RaftNode> proposal, Consumer<RuntimeException> dropped) {
        try {
            proposal.accept(n);
        } catch (ProposalDroppedException e) {
            if (!held.add(next -> proposeOrHold(next, proposal, dropped))) {
                dropped.accept(dropError());
            }
        }
    }

    /**
     * Steps a message from a peer into the node; a proposal a peer forwards is held instead while
     * a core change holds proposals, since raft would drop it silently and leave its proposer to
     * time out.
     *
     * @return false when the inbox is full
     */
    boolean receive(Message message) {
        return submit(n -> {
            if (message.getType() != MessageType.MsgProp || !held.add(next -> next.step(message))) {
                n.step(message);
            }
        });
    }

    private RuntimeException dropError() {
        return lead == 0 ? EtcdError.NO_LEADER.exception() : EtcdError.LEADER_CHANGED.exception();
    }

    /**
     * A read index: completes with the commit index a linearizable read must wait to have
     * applied, once the leader has confirmed it still leads. Reads that arrive while a request
     * is in flight share the next one (etcd's linearizableReadLoop).
     */
    CompletableFuture<Long> readIndex() {
        CompletableFuture<Long> f = new CompletableFuture<>();
        if (coreless) {
            f.completeExceptionally(EtcdError.NO_LEADER.exception());
            return f;
        }
        return submitFor(f, n -> pendingReads.add(f));
    }

    /** Queues {@code task}, which completes {@code f}; {@code f} fails at once if the inbox is full. */
    private <T> CompletableFuture<T> submitFor(CompletableFuture<T> f, Consumer<RaftNode> task) {
        if (!submit(task)) {
            f.completeExceptionally(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        return f;
    }

    /** Applies a committed membership change to the node; completes with the new configuration. */
    CompletableFuture<ConfState> applyConfChange(ConfChange cc) {
        CompletableFuture<ConfState> f = new CompletableFuture<>();
        Consumer<RaftNode> task = n -> {
            unappliedConfChanges--;
            confState = n.applyConfChange(cc);
            f.complete(confState);
        };
        putBlocking(task, f);
        return f;
    }

    /**
     * Asks raft to hand leadership to {@code transferee}; completes once this member sees it lead
     * (at once when it leads already). Never fails on its own: the caller bounds the wait.
     */
    CompletableFuture<Void> transferLeadership(long transferee) {
        CompletableFuture<Void> led = new CompletableFuture<>();
        return submitFor(led, n -> {
            if (lead == transferee) {
                led.complete(null);
                return;
            }
            leaderWaits.add(new LeaderWait(transferee, led));
            n.transferLeader(transferee);
        });
    }

    /** A transfer waiting for its transferee to lead. */
    private record LeaderWait(long transferee, CompletableFuture<Void> led) {
    }

    /**
     * Starts an election rather than waiting out an election timeout, for a member that is the
     * only voter: as soon as the configuration applied to the node is that, which on a restart is
     * after the node has replayed its membership changes from the log (the server's own state
     * knows the members earlier, from the backend; a campaign before the replay is refused as
     * unpromotable and cost the restart a whole election timeout). Until then the request waits;
     * a configuration with other voters never satisfies it, and the election timeout elects.
     */
    void campaign() {
        submit(n -> {
            campaignAsSoleVoter = true;
            // at once when the configuration is known already (a fresh member): a proposal queued
            // right behind this request then finds a leader, as it did when campaigning was a plain task
            campaignIfDue();
        });
    }

    /** The campaign {@link #campaign} asked for, once no configuration change is pending and this member is the only voter. */
    private void campaignIfDue() {
        if (!campaignAsSoleVoter || unappliedConfChanges != 0) {
            return;
        }
        long self = node.status().id();
        if (confState.getVotersCount() != 1 || confState.getVoters(0) != self) {
            return;
        }
        campaignAsSoleVoter = false;
        if (node.status().role() != RaftRole.LEADER) {
            node.campaign();
        }
    }

    /**
     * Records a snapshot of the applied state at {@code index} (the backend is already durable
     * there): saves it, compacts the in-memory log to keep {@code catchUpEntries} for slow
     * followers, and releases the WAL segments before it.
     */
    void snapshot(long index, ConfState confState) {
        putBlocking(n -> takeSnapshot(index, confState), null);
    }

    private void putBlocking(Consumer<RaftNode> task, CompletableFuture<?> f) {
        try {
            inbox.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (f != null) {
                f.completeExceptionally(EtcdError.STOPPED.exception());
            }
        }
    }

    /**
     * Drives a node built from {@code core} from the next round on, over the same log, hard
     * state and configuration: the current node's Readies are all handled (persisted, sent,
     * handed to the apply loop) first, and configuration changes in flight applied. Reads sent
     * to the old node are sent again; proposals it took are in the log, which the new node
     * carries on from.
     */
    void replaceCore(RaftCore core) {
        coreChanges.announce(Objects.requireNonNull(core, "core"));
        inbox.offer(n -> { }); // wakes the loop to make the swap
    }

    /**
     * The raft core went away with no replacement (a bundle update of the raft bundle, between its
     * stop and its start): once the current round is handled, the loop lets go of its node, whose
     * classes belong to the departing bundle, and waits for {@link #replaceCore}. Meanwhile raft
     * stands still on this member: nothing is ticked, stepped or proposed, and the work queued for
     * the node waits for the next one (a full queue refuses more, as always), while new proposals
     * and read requests fail at once with "etcdserver: no leader". The log, hard state
     * and configuration stay, so the next node carries on from them.
     */
    void releaseCore() {
        coreChanges.announce(null);
        inbox.offer(n -> { });
    }


    long lead() {
        return lead;
    }

    RaftRole role() {
        return role;
    }

    boolean isLeader() {
        return role == RaftRole.LEADER;
    }

    long term() {
        return term;
    }

    long committedIndex() {
        return committedIndex;
    }

    /** The node's status, read on the loop thread. */
    CompletableFuture<RaftStatus> status() {
        CompletableFuture<RaftStatus> f = new CompletableFuture<>();
        return submitFor(f, n -> f.complete(n.status()));
    }

    @Override
    public void run() {
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (!stopping) {
                if (node == null) {
                    awaitCore();
                    nextTick = System.nanoTime() + tickNanos;
                    continue;
                }
                long wait = nextTick - System.nanoTime();
                Consumer<RaftNode> task = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
                for (int n = 0; task != null; n++) {
                    task.accept(node);
                    task = n < MAX_TASKS_PER_ROUND ? inbox.poll() : null;
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    if (unappliedConfChanges == 0) {
                        node.tick();
                    }
                    // after a stall, tick once and resume the cadence rather than fire a burst
                    nextTick = Math.max(nextTick + tickNanos, now);
                }
                requestReadIndex(now);
                handleReadies();
                campaignIfDue();
                if (held.holding() && (leaderTakesProposals() || held.expired(now))) {
                    releaseHeld();
                }
                if (coreChanges.pending() && unappliedConfChanges == 0 && !handingOver(now)) {
                    changeCore();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // etcd panics when raft's state cannot be persisted: nothing later may be acknowledged
            LOG.error("raft loop stopped", e);
            onFatal.accept(e);
        }
    }

    /**
     * Whether the core change waits for this leader to hand its leadership over, as etcd's
     * graceful stop does: the most caught-up voter takes over at once (raft's leader transfer),
     * with every entry this leader appended, so proposals in flight are committed by the new
     * leader rather than lost with the old node and left to time out. Proposals that arrive
     * meanwhile, which raft would drop, are held and go to the new leader once this member has
     * heard from it. A leader that is the only voter, or whose transfer has not happened within
     * an election timeout, changes its core anyway (the others then elect a leader on their own).
     */
    private boolean handingOver(long now) {
        if (handOverUntil != 0) {
            // over once another member leads (the held proposals went to it), or at the deadline
            return !leaderTakesProposals() && now - handOverUntil < 0;
        }
        if (role != RaftRole.LEADER) {
            return false;
        }
        RaftStatus s = node.status();
        // a voter heard from in this election timeout, or one the leader replicates to: check-quorum
        // clears the former every election timeout, and just after that no follower would qualify
        long transferee = s.progress().entrySet().stream()
                .filter(e -> e.getKey() != s.id() && confState.getVotersList().contains(e.getKey())
                        && (e.getValue().recentActive() || "replicate".equals(e.getValue().state())))
                .max(Comparator.comparingLong(e -> e.getValue().match()))
                .map(Map.Entry::getKey).orElse(0L);
        if (transferee == 0) {
            return false;
        }
        LOG.info("member {} hands its leadership to {} before it changes its raft core", MemberIds.hex(s.id()),
                MemberIds.hex(transferee));
        node.transferLeader(transferee);
        handOverUntil = now + handOverNanos;
        held.holdUntil(handOverUntil);
        return true;
    }

    /** Whether a proposal given to the node now reaches a leader that appends it. */
    private boolean leaderTakesProposals() {
        return lead != 0 && (role != RaftRole.LEADER || handOverUntil == 0);
    }

    /** Gives the node what was held, and sends what that makes (forwards to the leader) at once. */
    private void releaseHeld() {
        held.release(node);
        handleReadies();
    }

    private void handleReadies() {
        while (node.hasReady()) {
            handle(node.ready());
        }
    }

    /** Makes the change announced to {@link #coreChanges}: a new node, or none until the next core. */
    private void changeCore() {
        handOverUntil = 0;
        if (held.holding()) {
            releaseHeld(); // to the old node, which drops what no leader takes: those fail as before
        }
        RaftCore core = coreChanges.take();
        if (core != null) {
            rebuild(core);
        } else {
            release();
        }
    }

    /** Waits, queued work untouched, until a core arrives or the loop stops; then builds the node. */
    private void awaitCore() throws InterruptedException {
        RaftCore core = coreChanges.awaitCore(() -> stopping);
        if (core != null) {
            rebuild(core);
        }
    }

    private void release() {
        appliedAtRelease = node.status().applied();
        long id = node.status().id();
        forgetNode();
        node = null;
        coreless = true;
        LOG.warn("member {} let go of its raft node: the raft core service went away; raft waits for a new core"
                + " (applied {}, term {}, commit {})", MemberIds.hex(id), appliedAtRelease, term, committedIndex);
    }

    /** What a node leaves behind when it is replaced or released: its unanswered reads, its leadership. */
    private void forgetNode() {
        if (inflightReadContext != null) {
            // the old node's read request will not be answered: the next round asks the new one
            pendingReads.addAll(inflightReads);
            inflightReads.clear();
            inflightReadContext = null;
        }
        lead = 0;
        if (role == RaftRole.LEADER) {
            leadershipLost.run();
        }
        role = RaftRole.FOLLOWER;
    }

    private void rebuild(RaftCore core) {
        long applied = node != null ? node.status().applied() : appliedAtRelease;
        if (node != null) {
            forgetNode();
        }
        node = core.create(nodeConfig.apply(applied), new ConfiguredStorage(storage, storage::hardState, confState));
        coreless = false;
        // until the new node hears from the leader (a heartbeat away), it would drop proposals
        held.holdUntil(System.nanoTime() + handOverNanos);
        LOG.info("member {} runs on a new raft node from {} (applied {}, term {}, commit {}, voters {})",
                MemberIds.hex(node.status().id()), core.getClass().getName(), applied, node.status().term(),
                node.status().commit(), confState.getVotersList().stream().map(MemberIds::hex).toList());
    }

    private void requestReadIndex(long now) {
        if (inflightReadContext != null && now - inflightReadSince < READ_INDEX_RETRY_NANOS) {
            return;
        }
        if (inflightReadContext == null) {
            if (pendingReads.isEmpty()) {
                return;
            }
            List<CompletableFuture<Long>> batch = inflightReads;
            inflightReads = pendingReads;
            pendingReads = batch;
        }
        // a new context each time, so a late answer to an abandoned request is not taken for this one
        inflightReadContext = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(++readContextSeq).array());
        inflightReadSince = now;
        node.readIndex(inflightReadContext);
    }

    private void handle(Ready rd) {
        if (rd.softState() != null) {
            updateSoftState(rd.softState());
        }
        // A leader sends before its own fsync, so followers write in parallel with it (raft
        // thesis 10.2.1; etcd does the same). Safe because the loop handles no response before
        // this Ready is persisted: nothing is committed, let alone applied, on the strength of a
        // leader entry that is not yet durable. Everyone else sends only what is durable.
        boolean sendFirst = role == RaftRole.LEADER;
        if (sendFirst) {
            send(rd.messages());
        }
        try {
            if (rd.snapshot() != null) {
                saveSnapshot(rd.snapshot());
            }
            // a commit index that moved alone needs no fsync: a restart learns it again
            wal.save(rd.hardState(), rd.entries(), rd.mustSync());
        } catch (IOException e) {
            throw new UncheckedIOException("failed to persist raft state to the WAL", e);
        }
        if (rd.snapshot() != null) {
            storage.applySnapshot(rd.snapshot());
            confState = rd.snapshot().getMetadata().getConfState();
            snapshotIndex = rd.snapshot().getMetadata().getIndex();
            applyLoop.enqueueSnapshot(rd.snapshot());
        }
        storage.append(rd.entries());
        if (rd.hardState() != null) {
            storage.setHardState(rd.hardState());
            term = rd.hardState().getTerm();
            committedIndex = rd.hardState().getCommit();
        }
        if (!sendFirst) {
            send(rd.messages());
        }
        for (ReadState rs : rd.readStates()) {
            if (rs.requestContext().equals(inflightReadContext)) {
                inflightReads.forEach(f -> f.complete(rs.index()));
                inflightReads.clear();
                inflightReadContext = null;
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            for (Entry e : rd.committedEntries()) {
                if (e.getType() == EntryType.EntryConfChange) {
                    unappliedConfChanges++;
                }
            }
            applyLoop.enqueue(rd.committedEntries());
        }
        node.advance(rd);
    }

    private void updateSoftState(SoftState s) {
        if (s.lead() != lead) {
            if (s.lead() == 0) {
                LOG.info("member {} lost leader {} at term {}", MemberIds.hex(node.status().id()),
                        MemberIds.hex(lead), node.status().term());
            } else {
                LOG.info("member {} elected leader {} at term {}", MemberIds.hex(node.status().id()),
                        MemberIds.hex(s.lead()), node.status().term());
            }
        }
        lead = s.lead();
        leaderWaits.removeIf(w -> {
            if (w.transferee() == lead) {
                w.led().complete(null);
                return true;
            }
            return w.led().isDone(); // given up by the caller meanwhile
        });
        RaftRole was = role;
        role = s.role();
        if (was == RaftRole.LEADER && role != RaftRole.LEADER) {
            leadershipLost.run();
        }
    }

    private void send(List<Message> messages) {
        PeerTransport t = transport;
        if (messages.isEmpty() || t == null) {
            return;
        }
        List<Message> plain = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (m.getType() == MessageType.MsgSnap) {
                sendMergedSnapshot(t, m);
            } else {
                plain.add(m);
            }
        }
        t.send(plain);
    }

    /**
     * Sends the whole applied state instead of raft's snapshot, as etcd does: the backend is at
     * or after raft's snapshot index, so the follower gets everything up to the backend's
     * consistent index and needs only the entries after it. The message is rewritten to name that
     * index; the follower derives the configuration from the members in the backend it receives.
     */
    private void sendMergedSnapshot(PeerTransport t, Message m) {
        BackendSnapshot db = backendSnapshot.get();
        long index = db.consistentIndex();
        long snapTerm;
        try {
            snapTerm = storage.term(index);
        } catch (CompactedException e) {
            db.close();
            node.reportSnapshot(m.getTo(), true);
            return;
        }
        Snapshot.Builder snap = m.getSnapshot().toBuilder();
        snap.getMetadataBuilder().setIndex(index).setTerm(snapTerm);
        Message merged = m.toBuilder().setSnapshot(snap).build();
        LOG.info("sending a snapshot at index {} to member {}", index, MemberIds.hex(m.getTo()));
        t.sendSnapshot(merged, new SnapshotPayload() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                db.writeTo(out);
            }

            @Override
            public void close() {
                db.close();
            }
        });
    }

    /** A snapshot from the leader: its WAL marker, then its file (see {@link Wal#saveSnapshotMarker}). */
    private void saveSnapshot(Snapshot snap) throws IOException {
        wal.saveSnapshotMarker(WalSnapshot.newBuilder().setIndex(snap.getMetadata().getIndex())
                .setTerm(snap.getMetadata().getTerm()).build());
        snapshotter.save(snap);
    }

    private void takeSnapshot(long index, ConfState confState) {
        if (index <= snapshotIndex) {
            return;
        }
        try {
            Snapshot snap = storage.createSnapshot(index, confState, ByteString.EMPTY);
            saveSnapshot(snap);
            snapshotIndex = index;
            long compactTo = index - catchUpEntries;
            if (compactTo > storage.firstIndex()) {
                storage.compact(compactTo);
            }
            wal.releaseTo(index);
            snapshotter.purge(Snapshotter.DEFAULT_KEEP);
            LOG.info("member {} saved a snapshot at index {}", MemberIds.hex(node.status().id()), index);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to save a snapshot at index " + index, e);
        }
    }
}
