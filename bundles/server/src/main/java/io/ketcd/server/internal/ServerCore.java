package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.server.AutoCompaction;
import io.ketcd.server.PeerNetwork;
import io.ketcd.server.ServerConfig;
import io.ketcd.server.auth.AuthStore;
import io.ketcd.server.auth.TokenProvider;
import io.ketcd.server.auth.TokenProviders;
import io.ketcd.server.lease.Lessor;
import io.ketcd.proto.etcdserverpb.AlarmType;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendSnapshot;
import io.ketcd.storage.Wal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running member: wires its parts and owns their threads and lifecycle (start, close, a
 * fatal error). The parts are the {@link DataDirectory} it starts from, the {@link RaftLoop} and
 * {@link ApplyLoop}, the {@link PeerLink}, {@link Proposals}, {@link Reads} and {@link
 * MemberChanges}; {@link io.ketcd.server.KetcdServer} puts etcd's request and response rules on
 * top.
 */
public final class ServerCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);
    private static final int INBOX_CAPACITY = 64 * 1024;
    private static final Duration FETCH_CLUSTER_TIMEOUT = Duration.ofSeconds(10);

    private final ServerConfig config;
    private final long memberId;
    private final long clusterId;
    /** The header {@link #header} made last: immutable, so shared by every response it fits. */
    private volatile ResponseHeader lastHeader;
    private final Wal wal;
    private final CurrentState state;
    private final Waiters waiters = new Waiters();
    private final AppliedIndex appliedIndex;
    private final RaftLoop raftLoop;
    private final ApplyLoop applyLoop;
    private final PeerLink peerLink;
    private final Proposals proposals;
    private final Reads reads;
    private final MemberChanges memberChanges;
    private final AttributesPublisher attributes;
    private final Watches watches;
    private final Lessor lessor;
    private final LeaseRequests leaseRequests;
    private final AutoCompactor autoCompactor;
    /**
     * The primary lessor's rounds (expiry, checkpoints), the retries of forwarded lease requests
     * and auto-compaction's wake-ups: the leader's short, non-blocking duties.
     */
    private final ScheduledExecutorService leaseThread =
            Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-lease"));
    private final ExecutorService raftThread = Executors.newSingleThreadExecutor(new NamedThreads("ketcd-raft"));
    private final ExecutorService applyThread = Executors.newSingleThreadExecutor(new NamedThreads("ketcd-apply"));
    /** Publishes the member's attributes and retries re-opening its peer listeners. */
    private final ScheduledExecutorService publisher =
            Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-publish"));
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean closed;
    /** Told once when the member stops on an error it cannot go on from (not on close or removal). */
    private final Consumer<Throwable> onFatal;
    private final AtomicBoolean fatalReported = new AtomicBoolean();

    private ServerCore(ServerConfig config, DataDirectory dataDir, DataDirectory.Opened opened, RaftCore raftCore,
                       PeerNetwork network, Consumer<Throwable> onFatal) {
        this.config = config;
        this.onFatal = onFatal;
        this.memberId = opened.id().memberId();
        this.clusterId = opened.id().clusterId();
        this.wal = opened.wal();
        Backend backend = opened.backend();
        this.lessor = new Lessor(System::nanoTime, Lessor.minTtl(config.heartbeatInterval(), config.electionTimeout()),
                config.leaseCheckpointInterval());
        this.state = new CurrentState(AppliedState.on(backend, lessor,
                TokenProviders.from(config.authToken(), Duration.ofSeconds(config.authTokenTtlSeconds()))));
        this.appliedIndex = new AppliedIndex(backend.consistentIndex());
        this.applyLoop = new ApplyLoop(memberId, state, waiters, appliedIndex,
                opened.storage().snapshot().getMetadata().getIndex(), config.snapshotCount(), this::fatal);
        this.raftLoop = new RaftLoop(raftCore, this::raftNodeConfig, opened.applied(), opened.storage(), wal,
                opened.snapshotter(), INBOX_CAPACITY, config.heartbeatInterval().toMillis(),
                config.snapshotCatchUpEntries(), applyLoop, () -> state.get().backend().snapshot(), this::fatal);
        this.proposals = new Proposals(new RequestIds(memberId, System.currentTimeMillis()), raftLoop, waiters,
                appliedIndex, config.maxRequestBytes(), config.maxTxnOps(), stopped::get);
        this.reads = new Reads(state, raftLoop, appliedIndex, config.maxTxnOps(), stopped::get);
        this.peerLink = new PeerLink(memberId, clusterId, config, network.transports(), raftLoop, state, dataDir,
                publisher, stopped::get, this::fatal, this::promoteForwarded);
        this.memberChanges = new MemberChanges(new LocalCluster(memberId, state, raftLoop, proposals, peerLink),
                config.initialClusterToken());
        this.attributes = new AttributesPublisher(memberId, config, proposals, publisher, stopped::get);
        this.leaseRequests = new LeaseRequests(memberId, lessor, raftLoop, appliedIndex, peerLink, leaseThread,
                config.requestTimeout(), config.electionTimeout(), config.heartbeatInterval(), stopped::get);
        if (config.leaseCheckpoint()) {
            lessor.setCheckpointer(cp -> proposeOwn(InternalRaftRequest.newBuilder().setLeaseCheckpoint(cp)));
        }
        peerLink.serveLeases(leaseRequests);
        peerLink.serveHashes(reads::hashKV);
        raftLoop.onLeadershipLost(lessor::demote);
        this.autoCompactor = new AutoCompactor(this::currentRevision, raftLoop::isLeader, this::compactOwn,
                System::nanoTime, (task, nanos) -> leaseThread.schedule(task, nanos, TimeUnit.NANOSECONDS),
                AutoCompactor.REVISION_INTERVAL);
        // last: it starts a thread, which nothing may leave behind when a part above fails
        this.watches = new Watches(state, this::header, config.maxRequestBytes(), config.watchProgressNotifyInterval());
        applyLoop.attach(new Effects(dataDir));
    }

    /**
     * Opens the member's peer listeners first, as etcd does, then its data directory
     * (bootstrapping it on first start), starts its peer transport on those listeners and its
     * loops, and returns once the log it had committed is applied again. When any step fails,
     * everything opened before it, the peer listeners included, is closed again.
     *
     * @param onFatal told, on a thread of the member's, when the member has stopped on an error it
     *     cannot go on from (a raft or apply loop failure, a transport that cannot be restarted);
     *     its state on disk is then as a crash would leave it, and a new member may be opened on it
     */
    public static ServerCore open(ServerConfig config, RaftCore raftCore, PeerNetwork network,
                                  Consumer<Throwable> onFatal) throws IOException {
        ServerConfig.checkTiming(config.heartbeatInterval(), config.electionTimeout());
        List<Listener> peerListeners = List.of();
        if (network.listeners() != null) {
            peerListeners = network.listeners().open(ListenerRole.PEER, config.listenPeerUrls());
        } else {
            LOG.warn("no listener factory yet: member starts without peer listeners; they open when one is available");
        }
        try {
            return open(config, raftCore, network, peerListeners, onFatal);
        } catch (IOException | RuntimeException e) {
            peerListeners.forEach(Listener::close); // the transport may not have taken them yet
            throw e;
        }
    }

    private static ServerCore open(ServerConfig config, RaftCore raftCore, PeerNetwork network,
                                   List<Listener> peerListeners, Consumer<Throwable> onFatal) throws IOException {
        DataDirectory dataDir = DataDirectory.create(config);
        DataDirectory.Opened opened = dataDir.open(
                urls -> network.transports().fetchCluster(urls, FETCH_CLUSTER_TIMEOUT, network.tls()));
        ServerCore core = null;
        try {
            core = new ServerCore(config, dataDir, opened, raftCore, network, onFatal);
            core.start(peerListeners, network.tls(), opened.knownPeers());
            return core;
        } catch (RuntimeException | IOException e) {
            if (core != null) {
                core.close();
            } else {
                opened.close();
            }
            throw e;
        }
    }

    private void start(List<Listener> peerListeners, TlsPolicy peerTls, List<Member> knownPeers) throws IOException {
        long committed = raftLoop.committedIndex();
        applyThread.execute(applyLoop);
        peerLink.start(peerListeners, peerTls, knownPeers);
        raftThread.execute(raftLoop);
        try {
            appliedIndex.await(committed).get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IOException("replaying the log up to index " + committed + " failed", e);
        }
        // the only voter needs no election timeout to lead (etcd fast-forwards its ticks instead)
        ConfState voters = state.read(s -> s.membership().confState());
        if (voters.getVotersCount() == 1 && voters.getVoters(0) == memberId) {
            raftLoop.campaign();
        }
        publisher.execute(attributes);
        leaseThread.scheduleWithFixedDelay(new LessorLoop(lessor, this::proposeOwn), LessorLoop.INTERVAL_MILLIS,
                LessorLoop.INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        autoCompactor.reconfigure(config.autoCompaction());
    }

    /** A compaction of the member's own (auto-compaction), through the log as a client's would go. */
    private CompletableFuture<Object> compactOwn(long revision) {
        return proposeOwn(InternalRaftRequest.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(revision)));
    }

    /**
     * Follows the keys of {@code next} that a running member takes in place ({@link
     * ServerConfig#LIVE_KEYS}): the auto-compaction settings (see {@link
     * AutoCompactor#reconfigure}; the same settings change nothing) and the watch progress
     * interval. The log level is the logging backend's, set by whoever hosts the member.
     */
    public void applyLive(ServerConfig next) {
        autoCompactor.reconfigure(next.autoCompaction());
        watches.progressInterval(next.watchProgressNotifyInterval());
    }

    /** Proposes a request of the member's own (a lease revoke or checkpoint), bounded by the request timeout. */
    private CompletableFuture<Object> proposeOwn(InternalRaftRequest.Builder request) {
        return proposals.proposeOwn(request, config.requestTimeout().toMillis());
    }

    /** The raft node configuration of this member, for a node whose owner has applied up to {@code applied}. */
    private RaftNodeConfig raftNodeConfig(long applied) {
        long heartbeat = config.heartbeatInterval().toMillis();
        long electionTicks = config.electionTimeout().toMillis() / heartbeat;
        return RaftNodeConfig.builder(memberId).electionTick(Math.toIntExact(electionTicks))
                .applied(applied).random(new SplittableRandom(memberId ^ System.nanoTime()))
                .logger(new Slf4jRaftLogger()).build();
    }

    /**
     * Drives the member's raft from a node of {@code core} from now on (a swapped raft core
     * service): over the same log, hard state and configuration, with nothing persisted lost and
     * nothing applied twice. See {@link RaftLoop#replaceCore}.
     */
    public void replaceRaftCore(RaftCore core) {
        if (!stopped.get()) {
            raftLoop.replaceCore(core);
        }
    }

    /** The raft core went away with no replacement: raft waits for the next one. See {@link RaftLoop#releaseCore}. */
    public void releaseRaftCore() {
        if (!stopped.get()) {
            raftLoop.releaseCore();
        }
    }

    /**
     * Moves the member to a new listener factory or peer TLS policy while raft and data stay as
     * they are; see {@link PeerLink#replace}.
     */
    public void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls) {
        peerLink.replace(listeners, peerTls);
    }

    public long memberId() {
        return memberId;
    }

    public long clusterId() {
        return clusterId;
    }

    public long term() {
        return raftLoop.term();
    }

    public long committedIndex() {
        return raftLoop.committedIndex();
    }

    public long appliedIndex() {
        return appliedIndex.get();
    }

    /** The known leader, 0 if none. */
    public long leader() {
        return raftLoop.lead();
    }

    public boolean isLeader() {
        return raftLoop.isLeader();
    }

    /**
     * Asks raft to hand this leader's leadership to {@code transferee}, a voting member;
     * completes once this member sees it lead. Fails with {@code BAD_LEADER_TRANSFEREE} for
     * any other id.
     */
    public CompletableFuture<Void> transferLeadership(long transferee) {
        boolean voter = members().stream().anyMatch(m -> m.getID() == transferee && !m.getIsLearner());
        if (!voter) {
            return CompletableFuture.failedFuture(EtcdError.BAD_LEADER_TRANSFEREE.exception());
        }
        return raftLoop.transferLeadership(transferee);
    }

    public boolean isLearner() {
        Member self = state.read(s -> s.membership().get(memberId));
        return self != null && self.getIsLearner();
    }

    public long currentRevision() {
        return state.read(s -> s.kv().currentRevision());
    }

    /**
     * A point-in-time copy of the backend (see {@link Backend#snapshot}), for a backup.
     *
     * @throws IllegalStateException if the backend is closed
     */
    public BackendSnapshot backendSnapshot() {
        return state.get().backend().snapshot();
    }

    /** The active alarms as etcd writes them in Status's errors: "memberID:&lt;id&gt; alarm:NOSPACE ". */
    public List<String> alarmTexts() {
        return state.read(s -> s.alarms().get(AlarmType.NONE)).stream().map(Alarms::text).toList();
    }

    /** Defragments the backend now; see {@link Backend#defragment}. */
    public void defragment() {
        state.get().backend().defragment();
    }

    public long dbSize() {
        return state.read(s -> s.backend().sizeBytes());
    }

    public long dbSizeInUse() {
        return state.read(s -> s.backend().sizeInUseBytes());
    }

    public List<Member> members() {
        return state.members();
    }

    /** The raft node's status (leader's progress of each member), read on the raft thread. */
    public CompletableFuture<RaftStatus> raftStatus() {
        return raftLoop.status();
    }

    /** etcd's response header of this member at {@code revision}: its cluster and member ids and its current term. */
    public ResponseHeader header(long revision) {
        long term = raftLoop.term();
        ResponseHeader last = lastHeader;
        if (last != null && last.getRevision() == revision && last.getRaftTerm() == term) {
            return last; // a write's event goes to every watcher with the same header
        }
        ResponseHeader h = ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId)
                .setRevision(revision).setRaftTerm(term).build();
        lastHeader = h;
        return h;
    }

    /** Opens a watch stream on what this member applied. */
    public WatchSession openWatch(WatchClient client, Predicate<WatchCreateRequest> permitted) {
        return watches.open(client, permitted);
    }

    /** Requests into the log: ids, checks, proposals. */
    public Proposals proposals() {
        return proposals;
    }

    /** Member {@code id}'s HashKV at {@code revision}, asked over the peer port; this member's own locally. */
    public CompletableFuture<HashKVResponse> peerHashKV(long id, long revision) {
        return peerLink.peerHashKV(id, CorruptionCheck.at(revision));
    }

    /** The member's tokens (simple or jwt, as auth-token says). */
    public TokenProvider tokens() {
        return state.get().tokens();
    }

    /**
     * The auth store of the state applied now (a snapshot install replaces it). Asked on every
     * client request, so it is a volatile read, not a read under the state's lock: the store holds
     * its data in memory, never reads the backend, and an install that replaces it is seen by the
     * next request.
     */
    public AuthStore auth() {
        return state.get().auth();
    }

    /** Reads from the local store, serializable or linearizable. */
    public Reads reads() {
        return reads;
    }

    /** The lease requests answered by the leader (renew, time-to-live), forwarded from a follower. */
    public LeaseRequests leases() {
        return leaseRequests;
    }

    /** The member's leases. */
    public Lessor lessor() {
        return lessor;
    }

    /** The member changes of etcd's Cluster API, on this member. */
    public MemberChanges memberChanges() {
        return memberChanges;
    }

    /**
     * Promotes a learner on this member, the leader, for a follower that forwarded the request.
     * Member changes reach through the peer link to forward, so the link gets this method, not them.
     */
    private CompletableFuture<List<Member>> promoteForwarded(long learner) {
        return memberChanges.promote(learner).thenApply(MemberChanges.Result::members);
    }

    private void fatal(Throwable error) {
        // the loop that failed logged the stack trace
        LOG.error("member {} stopping after a fatal error: {}", MemberIds.hex(memberId), error.toString());
        stopServing();
        if (fatalReported.compareAndSet(false, true)) {
            onFatal.accept(error);
        }
    }

    private void stopServing() {
        stopped.set(true);
        waiters.failAll(EtcdError.STOPPED.exception());
        appliedIndex.failAll(EtcdError.STOPPED.exception());
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopped.set(true);
        watches.close();
        publisher.shutdownNow();
        autoCompactor.close();
        leaseThread.shutdownNow();
        lessor.demote(); // renews waiting on an expired lease give up
        peerLink.close();
        raftLoop.stop();
        raftThread.shutdown();
        awaitTermination(raftThread, "raft");
        applyLoop.stop();
        applyThread.shutdown();
        awaitTermination(applyThread, "apply");
        reads.close();
        waiters.failAll(EtcdError.STOPPED.exception());
        appliedIndex.failAll(EtcdError.STOPPED.exception());
        state.get().backend().close();
        DataDirectory.closeQuietly(wal);
        LOG.info("member {} stopped", MemberIds.hex(memberId));
    }

    private static void awaitTermination(ExecutorService executor, String what) {
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("the {} loop did not stop within 30 s", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The apply loop's hooks into the raft loop, the peer link and the data directory. */
    private final class Effects implements ApplyLoop.Effects {
        private final DataDirectory dataDir;

        Effects(DataDirectory dataDir) {
            this.dataDir = dataDir;
        }

        @Override
        public void applyToRaft(ConfChange cc) {
            CompletableFuture<ConfState> applied = raftLoop.applyConfChange(cc);
            // the raft loop may stop (close, a fatal error) with the change still queued
            while (!stopped.get()) {
                try {
                    applied.get(100, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    // still queued: check again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the raft loop applied a configuration change", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("the raft loop failed to apply a configuration change", e.getCause());
                }
            }
            throw EtcdError.STOPPED.exception();
        }

        @Override
        public void snapshot(long index, ConfState confState) {
            raftLoop.snapshot(index, confState);
        }

        @Override
        public void membershipChanged(ConfChange cc, Membership membership) {
            peerLink.membershipChanged(cc, membership);
        }

        @Override
        public Backend installSnapshotBackend(long index, Backend current) throws IOException {
            return dataDir.installReceivedBackend(index, current);
        }

        @Override
        public void stateInstalled(AppliedState installed) {
            watches.attach(installed.kv());
        }

        @Override
        public void termEntryApplied() {
            // etcd's Promote, extending every lease by the election timeout so none expires early
            if (raftLoop.isLeader()) {
                lessor.promote(config.electionTimeout());
            }
        }

        @Override
        public void removedSelf() {
            // etcd exits here; a removed member must not start again on its old data
            LOG.error("member {} stops: it has been permanently removed from the cluster", MemberIds.hex(memberId));
            stopServing();
        }
    }
}
