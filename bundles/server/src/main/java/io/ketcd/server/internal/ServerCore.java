package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.EtcdVersion;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.mvcc.KvStore;
import io.ketcd.mvcc.RequestValidator;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.Metadata;
import io.ketcd.proto.serverpb.RequestHeader;
import io.ketcd.proto.walpb.WalSnapshot;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.server.PeerNetwork;
import io.ketcd.server.ServerConfig;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendDumpCorruptException;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.Snapshotter;
import io.ketcd.storage.Wal;
import io.ketcd.storage.WalContents;

import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's engine room: the data directory (WAL, snapshots, backend), the raft node and its
 * loop, the apply loop, the peer transport, and the stores they feed.
 * {@link io.ketcd.server.KetcdServer} puts etcd's request and response rules on top.
 *
 * <p>Data directory layout, as etcd's: {@code <data-dir>/member/wal/},
 * {@code <data-dir>/member/snap/*.snap} and {@code <data-dir>/member/snap/db}; a backend
 * received from the leader waits in {@code snap/<index>.snap.db} until its snapshot is applied.
 */
public final class ServerCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);
    /** etcd refuses new proposals when this many committed entries wait to be applied. */
    static final long MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000;
    private static final int INBOX_CAPACITY = 64 * 1024;
    private static final Duration FETCH_CLUSTER_TIMEOUT = Duration.ofSeconds(10);
    private static final int PEER_LISTENER_ATTEMPTS = 10;
    private static final Duration PEER_LISTENER_RETRY = Duration.ofSeconds(1);

    private final ServerConfig config;
    private final long memberId;
    private final long clusterId;
    private final Path snapDir;
    private final Wal wal;
    private final CurrentState state;
    private final Waiters waiters = new Waiters();
    private final AppliedIndex appliedIndex;
    private final RequestIds requestIds;
    private final RaftLoop raftLoop;
    private final ApplyLoop applyLoop;
    private final ExecutorService raftThread;
    private final ExecutorService applyThread;
    private final ExecutorService readers;
    private final ScheduledExecutorService publisher;
    private final MemberChanges memberChanges;
    private final PeerTransportFactory transports;
    /**
     * Every peer the transport knows, with its URLs: the members applied so far and, for a
     * joining member, the ones it learned from the cluster. A replaced transport gets them all.
     */
    private final Map<Long, List<URI>> peers = new ConcurrentHashMap<>();
    /** Guards swapping the transport against the apply loop adding or removing peers on it. */
    private final Object transportLock = new Object();
    /** Counts peer network swaps, so a retry scheduled for an older one stands down. Guarded by transportLock. */
    private volatile long peerNetworkGeneration;
    private volatile PeerTransport transport;
    private volatile boolean stopped;
    private volatile boolean closed;
    /** Told once when the member stops on an error it cannot go on from (not on close or removal). */
    private final Consumer<Throwable> onFatal;
    private final java.util.concurrent.atomic.AtomicBoolean fatalReported = new java.util.concurrent.atomic.AtomicBoolean();
    private final PeerMessageCheck peerMessageCheck;
    private final BadInputLog badPeerInput = new BadInputLog(LOG);

    private ServerCore(ServerConfig config, Identity id, Path snapDir, Backend backend, Wal wal,
                       Snapshotter snapshotter, MemoryStorage storage, long applied, RaftCore raftCore,
                       PeerTransportFactory transports, Consumer<Throwable> onFatal) {
        this.config = config;
        this.transports = transports;
        this.onFatal = onFatal;
        this.memberId = id.memberId();
        this.clusterId = id.clusterId();
        this.snapDir = snapDir;
        this.wal = wal;
        this.state = new CurrentState(AppliedState.on(backend));
        this.appliedIndex = new AppliedIndex(backend.consistentIndex());
        this.requestIds = new RequestIds(memberId, System.currentTimeMillis());
        long heartbeat = config.heartbeatInterval().toMillis();
        this.applyLoop = new ApplyLoop(memberId, state, waiters, appliedIndex,
                storage.snapshot().getMetadata().getIndex(), config.snapshotCount(), this::fatal);
        this.raftLoop = new RaftLoop(raftCore, this::raftNodeConfig, applied, storage, wal, snapshotter, INBOX_CAPACITY,
                heartbeat, config.snapshotCatchUpEntries(), applyLoop, () -> state.get().backend().snapshot(), this::fatal);
        applyLoop.attach(new Effects());
        this.applyThread = Executors.newSingleThreadExecutor(new NamedThreads("ketcd-apply"));
        this.raftThread = Executors.newSingleThreadExecutor(new NamedThreads("ketcd-raft"));
        this.readers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new NamedThreads("ketcd-read"));
        this.publisher = Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-publish"));
        this.memberChanges = new MemberChanges(this, config.initialClusterToken());
        this.peerMessageCheck = new PeerMessageCheck(memberId, from -> state.read(s -> s.membership().isRemoved(from)));
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
        checkTiming(config);
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
        Path member = config.dataDir().resolve("member");
        Path walDir = member.resolve("wal");
        Path snapDir = member.resolve("snap");
        createPrivateDirs(config.dataDir(), member, walDir, snapDir);
        Backend backend = openBackend(config, snapDir);
        Wal wal = null;
        ServerCore core = null;
        try {
            Snapshotter snapshotter = new Snapshotter(snapDir);
            MemoryStorage storage = new MemoryStorage();
            Identity id;
            List<Member> knownPeers;
            long applied = 0;
            if (Wal.exists(walDir)) {
                wal = Wal.open(walDir);
                Optional<Snapshot> snap = snapshotter.loadNewestAvailable(wal.validSnapshots());
                WalSnapshot from = WalSnapshot.getDefaultInstance();
                if (snap.isPresent()) {
                    long index = snap.get().getMetadata().getIndex();
                    from = WalSnapshot.newBuilder().setIndex(index).setTerm(snap.get().getMetadata().getTerm()).build();
                    if (backend.consistentIndex() < index) {
                        backend = installReceivedBackend(config, snapDir, index, backend);
                    }
                    storage.applySnapshot(snap.get());
                    applied = index;
                }
                WalContents recovered = wal.readAll(from);
                Metadata meta = Metadata.parseFrom(recovered.metadata());
                id = new Identity(meta.getNodeId(), meta.getClusterId());
                storage.setHardState(recovered.hardState());
                storage.append(recovered.entries());
                knownPeers = new Membership(backend).list();
                LOG.info("restarting member {} in cluster {} from {} (commit index {}, snapshot index {})",
                        MemberIds.hex(id.memberId()), MemberIds.hex(id.clusterId()), config.dataDir(),
                        recovered.hardState().getCommit(), applied);
            } else if (config.initialClusterState().equals("existing")) {
                RemoteCluster remote = network.transports().fetchCluster(otherPeerUrls(config), FETCH_CLUSTER_TIMEOUT,
                        network.tls());
                id = joiningIdentity(config, remote);
                wal = Wal.create(walDir, id.metadata());
                knownPeers = remote.members();
                LOG.info("joining cluster {} as member {}", MemberIds.hex(id.clusterId()), MemberIds.hex(id.memberId()));
            } else {
                Bootstrap boot = Bootstrap.newCluster(config);
                id = new Identity(boot.memberId(), boot.clusterId());
                wal = Wal.create(walDir, id.metadata());
                // a new cluster's configuration entries are committed at term 1, as etcd's bootstrap writes them
                HardState hs = HardState.newBuilder().setTerm(1).setCommit(boot.entries().size()).build();
                wal.save(hs, boot.entries());
                storage.append(boot.entries());
                storage.setHardState(hs);
                knownPeers = boot.members();
                LOG.info("starting member {} in new cluster {} at {}", MemberIds.hex(id.memberId()),
                        MemberIds.hex(id.clusterId()), config.dataDir());
            }
            deleteStaleReceivedBackends(snapDir, backend.consistentIndex());
            core = new ServerCore(config, id, snapDir, backend, wal, snapshotter, storage, applied, raftCore,
                    network.transports(), onFatal);
            core.start(peerListeners, network.tls(), knownPeers);
            return core;
        } catch (RuntimeException | IOException e) {
            if (core != null) {
                core.close();
            } else {
                closeQuietly(wal);
                backend.close();
            }
            throw e;
        }
    }

    private void start(List<Listener> peerListeners, TlsPolicy peerTls, List<Member> knownPeers) throws IOException {
        long committed = raftLoop.committedIndex();
        applyThread.execute(applyLoop);
        synchronized (transportLock) {
            transport = startTransport(peerListeners, peerTls);
            raftLoop.attach(transport);
        }
        for (Member m : knownPeers) {
            addPeer(m);
        }
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
        publisher.execute(this::publish);
    }

    private PeerTransport startTransport(List<Listener> peerListeners, TlsPolicy peerTls) throws IOException {
        return transports.start(new PeerTransportConfig(memberId, clusterId, EtcdVersion.SERVER,
                EtcdVersion.CLUSTER, config.heartbeatInterval(), peerTls), new Receiver(), peerListeners);
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
        if (!stopped) {
            raftLoop.replaceCore(core);
        }
    }

    /**
     * Moves the member to a new listener factory or peer TLS policy while raft and data stay as
     * they are: the transport is stopped (its listeners close, freeing the ports), the peer
     * listeners are opened again from {@code listeners} and a new transport starts on them with
     * every known peer. Messages in flight meanwhile are lost, which raft tolerates. Without a
     * factory ({@code null}, while one is being replaced) the member still reaches its peers but
     * they cannot reach it.
     */
    public void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls) {
        replacePeerNetwork(listeners, peerTls, 1);
    }

    private void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls, int attempt) {
        synchronized (transportLock) {
            if (stopped) {
                return;
            }
            long generation = ++peerNetworkGeneration;
            PeerTransport old = transport;
            if (old != null) {
                old.close();
            }
            List<Listener> opened = List.of();
            if (listeners == null) {
                LOG.warn("no listener factory: peers cannot reach member {} until one is available",
                        MemberIds.hex(memberId));
            } else {
                try {
                    opened = listeners.open(ListenerRole.PEER, config.listenPeerUrls());
                } catch (IOException | RuntimeException e) {
                    retryPeerListeners(generation, listeners, peerTls, attempt, e);
                }
            }
            PeerTransport next;
            try {
                next = startTransport(opened, peerTls);
            } catch (IOException | RuntimeException e) {
                fatal(e);
                return;
            }
            peers.forEach(next::addPeer);
            transport = next;
            raftLoop.attach(next);
            LOG.info("member {} now serves peers on {} ({} TLS)", MemberIds.hex(memberId),
                    opened.stream().map(Listener::url).toList(), peerTls.isEnabled() ? "with" : "without");
        }
    }

    /**
     * The peer listeners could not be re-opened (in a swap of OSGi components, a port the
     * previous owner is still releasing): without them peers cannot reach this member, and no
     * further swap may come to fix it, so the same network is tried again a few times, unless
     * another swap came meanwhile.
     */
    private void retryPeerListeners(long generation, ListenerFactory listeners, TlsPolicy peerTls, int attempt,
                                    Exception cause) {
        if (attempt >= PEER_LISTENER_ATTEMPTS) {
            LOG.error("re-opening the peer listeners {} failed {} times; peers cannot reach member {} until the next"
                    + " listener factory or TLS policy", config.listenPeerUrls(), attempt, MemberIds.hex(memberId), cause);
            return;
        }
        LOG.warn("re-opening the peer listeners {} failed ({}); trying again in {} ms", config.listenPeerUrls(),
                cause.getMessage(), PEER_LISTENER_RETRY.toMillis());
        try {
            publisher.schedule(() -> {
                if (peerNetworkGeneration == generation) {
                    replacePeerNetwork(listeners, peerTls, attempt + 1);
                }
            }, PEER_LISTENER_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: nothing to re-open
        }
    }

    /**
     * Publishes this member's name and client URLs to the cluster through the log (etcd's
     * publish), retrying until it is applied: other members list them from then on.
     */
    private void publish() {
        if (stopped) {
            return;
        }
        Member.Builder attrs = Member.newBuilder().setID(memberId).setName(config.name());
        config.advertiseClientUrls().forEach(u -> attrs.addClientURLs(u.toString()));
        long id = nextRequestId();
        InternalRaftRequest request = InternalRaftRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setId(id)).setMemberAttributes(attrs).build();
        CompletableFuture<Object> f;
        try {
            f = propose(id, request.toByteString());
        } catch (EtcdException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(config.electionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS).whenComplete((r, t) -> {
            if (t == null) {
                LOG.info("member {} published its name {} and client URLs {}", MemberIds.hex(memberId),
                        config.name(), config.advertiseClientUrls());
            } else if (!stopped) {
                publisher.schedule(this::publish, config.heartbeatInterval().toMillis() * 5, TimeUnit.MILLISECONDS);
            }
        });
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
        return raftLoop.role() == RaftRole.LEADER;
    }

    public boolean isLearner() {
        Member self = state.read(s -> s.membership().get(memberId));
        return self != null && self.getIsLearner();
    }

    public long currentRevision() {
        return state.read(s -> s.kv().currentRevision());
    }

    public long dbSize() {
        return state.read(s -> s.backend().sizeBytes());
    }

    public long dbSizeInUse() {
        return state.read(s -> s.backend().sizeInUseBytes());
    }

    public List<Member> members() {
        return state.read(s -> s.membership().list());
    }

    /** The raft node's status (leader's progress of each member), read on the raft thread. */
    public CompletableFuture<RaftStatus> raftStatus() {
        return raftLoop.status();
    }

    /** The member changes of etcd's Cluster API, on this member. */
    public MemberChanges memberChanges() {
        return memberChanges;
    }

    /** Asks the leader to promote a learner (see {@link MemberChanges#promote}). */
    CompletableFuture<List<Member>> forwardPromote(long leader, long learner) {
        PeerTransport t = transport;
        if (t == null) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        return t.promoteMember(leader, learner);
    }

    /** Whether a peer has had a working connection for at least {@code d}. */
    public boolean activeFor(long peer, Duration d) {
        PeerTransport t = transport;
        return t != null && t.activeSince(peer).map(since -> !since.plus(d).isAfter(java.time.Instant.now()))
                .orElse(false);
    }

    public long nextRequestId() {
        return requestIds.next();
    }

    public void validateRange(RangeRequest request) {
        RequestValidator.checkRange(request);
    }

    /** etcd's request checks before a request is proposed (v3rpc/key.go). */
    public void validate(InternalRaftRequest.Builder request) {
        switch (request.getRequestCase()) {
            case PUT -> RequestValidator.checkPut(request.getPut());
            case DELETE_RANGE -> RequestValidator.checkDeleteRange(request.getDeleteRange());
            case TXN -> RequestValidator.checkTxn(request.getTxn(), config.maxTxnOps());
            default -> { }
        }
    }

    public HashKVResponse hashKV(HashKVRequest request) {
        return state.read(s -> s.kv().hashKV(request));
    }

    public RangeResponse range(RangeRequest request) {
        return state.read(s -> s.kv().range(request));
    }

    /** True when {@code request} only reads, so it is served like a range, not through the log. */
    public boolean isReadOnly(TxnRequest request) {
        return KvStore.isReadOnly(request);
    }

    /** etcd's checks of a read-only txn, including the {@code max-txn-ops} limit. */
    public void validateReadOnlyTxn(TxnRequest request) {
        RequestValidator.checkTxn(request, config.maxTxnOps());
    }

    /** Runs a read-only txn against the local store; see {@link #isReadOnly}. */
    public TxnResponse readOnlyTxn(TxnRequest request) {
        return state.read(s -> s.kv().txn(request));
    }

    /**
     * Proposes a serialized request; the future completes with the apply result (a response
     * message) or fails with an {@link EtcdException}.
     */
    public CompletableFuture<Object> propose(long id, ByteString data) {
        checkAccepting();
        if (data.size() > config.maxRequestBytes()) {
            throw EtcdError.REQUEST_TOO_LARGE.exception();
        }
        return submitProposal(id, n -> n.propose(data));
    }

    /**
     * Proposes a membership change; the future completes with the members after it is applied.
     */
    @SuppressWarnings("unchecked")
    public CompletableFuture<List<Member>> proposeConfChange(ConfChange cc) {
        checkAccepting();
        return submitProposal(cc.getId(), n -> n.proposeConfChange(cc)).thenApply(r -> (List<Member>) r);
    }

    /**
     * Registers the waiter of request {@code id} and hands {@code proposal} to the raft loop; a
     * request that fails (refused, timed out) does not leave its waiter behind.
     */
    private CompletableFuture<Object> submitProposal(long id, Consumer<RaftNode> proposal) {
        CompletableFuture<Object> f = waiters.register(id);
        if (!raftLoop.propose(proposal, e -> waiters.fail(id, e))) {
            waiters.fail(id, EtcdError.TOO_MANY_REQUESTS.exception());
        }
        f.whenComplete((r, t) -> {
            if (t != null) {
                waiters.fail(id, t);
            }
        });
        return f;
    }

    private void checkAccepting() {
        if (stopped) {
            throw EtcdError.STOPPED.exception();
        }
        if (raftLoop.committedIndex() - appliedIndex.get() > MAX_GAP_BETWEEN_APPLY_AND_COMMIT) {
            throw EtcdError.TOO_MANY_REQUESTS.exception();
        }
    }


    /**
     * Runs {@code read} once everything committed before this call is applied: the read index
     * comes from the leader (batched ReadIndex), so the read observes every write acknowledged
     * anywhere in the cluster before it.
     */
    public <T> CompletableFuture<T> linearizableRead(Supplier<T> read) {
        if (stopped) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        return raftLoop.readIndex()
                .thenCompose(appliedIndex::await)
                // not on the apply thread that completes the wait: reads would delay applying
                .thenApplyAsync(v -> read.get(), readers);
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
        stopped = true;
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
        stopped = true;
        publisher.shutdownNow();
        synchronized (transportLock) {
            PeerTransport t = transport;
            if (t != null) {
                t.close();
            }
        }
        raftLoop.stop();
        raftThread.shutdown();
        awaitTermination(raftThread, "raft");
        applyLoop.stop();
        applyThread.shutdown();
        awaitTermination(applyThread, "apply");
        readers.shutdownNow();
        waiters.failAll(EtcdError.STOPPED.exception());
        appliedIndex.failAll(EtcdError.STOPPED.exception());
        state.get().backend().close();
        closeQuietly(wal);
        LOG.info("member {} stopped", MemberIds.hex(memberId));
    }

    private void addPeer(Member m) {
        PeerTransport t = transport;
        if (m.getID() == memberId || t == null) {
            return;
        }
        synchronized (transportLock) {
            if (peers.putIfAbsent(m.getID(), urls(m)) == null) {
                transport.addPeer(m.getID(), urls(m));
            }
        }
    }

    private static List<URI> urls(Member m) {
        return m.getPeerURLsList().stream().map(URI::create).toList();
    }

    /** The apply loop's hooks into the raft loop, the transport and the data directory. */
    private final class Effects implements ApplyLoop.Effects {

        @Override
        public void applyToRaft(ConfChange cc) {
            CompletableFuture<ConfState> applied = raftLoop.applyConfChange(cc);
            // the raft loop may stop (close, a fatal error) with the change still queued
            while (!stopped) {
                try {
                    applied.get(100, TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.TimeoutException e) {
                    // still queued: check again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the raft loop applied a configuration change", e);
                } catch (java.util.concurrent.ExecutionException e) {
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
            if (transport == null) {
                return;
            }
            synchronized (transportLock) {
                if (cc != null && cc.getType() == ConfChangeType.ConfChangeUpdateNode && cc.getNodeId() != memberId) {
                    List<URI> updated = urls(membership.get(cc.getNodeId()));
                    peers.put(cc.getNodeId(), updated);
                    transport.updatePeer(cc.getNodeId(), updated);
                }
                for (Member m : membership.list()) {
                    addPeer(m);
                }
                for (Long id : List.copyOf(peers.keySet())) {
                    if (membership.isRemoved(id)) {
                        peers.remove(id);
                        transport.removePeer(id);
                    }
                }
            }
        }

        @Override
        public Backend installSnapshotBackend(long index, Backend current) throws IOException {
            return installReceivedBackend(config, snapDir, index, current);
        }

        @Override
        public void removedSelf() {
            // etcd exits here; a removed member must not start again on its old data
            LOG.error("member {} stops: it has been permanently removed from the cluster", MemberIds.hex(memberId));
            stopServing();
        }
    }

    /** The member as its peers reach it through the transport. */
    private final class Receiver implements RaftReceiver {

        @Override
        public boolean process(Message message) {
            if (stopped) {
                return false;
            }
            String problem = peerMessageCheck.problem(message);
            if (problem != null) {
                // taken and dropped, as etcd's raft drops local message types from the network
                dropped(message, problem);
                return true;
            }
            return step(message);
        }

        /** Hands a checked message to the raft loop. */
        private boolean step(Message message) {
            return !stopped && raftLoop.submit(n -> n.step(message));
        }

        private void dropped(Message message, String problem) {
            badPeerInput.warn("raft message: " + message.getType(), "member {} dropped a {} from {}: {}",
                    MemberIds.hex(memberId), message.getType(), MemberIds.hex(message.getFrom()), BadInputLog.escape(problem));
        }

        @Override
        public void receiveSnapshot(Message message, InputStream payload) throws IOException {
            String problem = peerMessageCheck.snapshotProblem(message);
            if (problem != null) {
                dropped(message, problem);
                throw new StreamCorruptedException("refused snapshot message: " + problem);
            }
            long index = message.getSnapshot().getMetadata().getIndex();
            Path target = receivedBackendPath(snapDir, index);
            long restored;
            try {
                restored = MvStoreBackend.restore(target, payload);
            } catch (BackendDumpCorruptException e) {
                // the transport answers a corrupt stream with 400, a failure to store it with 500
                throw (IOException) new StreamCorruptedException(e.getMessage()).initCause(e);
            }
            ConfState confState;
            try {
                if (restored != index) {
                    throw new IOException("the backend received with the snapshot at index " + index
                            + " is at index " + restored);
                }
                try (Backend b = openBackendFile(config, target)) {
                    confState = new Membership(b).confState();
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            Snapshot.Builder snap = message.getSnapshot().toBuilder();
            snap.getMetadataBuilder().setConfState(confState);
            if (!step(message.toBuilder().setSnapshot(snap).build())) {
                throw new IOException("member " + MemberIds.hex(memberId) + " cannot take the snapshot now");
            }
        }

        @Override
        public boolean isRemoved(long id) {
            return state.read(s -> s.membership().isRemoved(id));
        }

        @Override
        public boolean isMember(long id) {
            return peers.containsKey(id) || state.read(s -> s.membership().get(id) != null);
        }

        @Override
        public void reportUnreachable(long id) {
            raftLoop.submit(n -> n.reportUnreachable(id));
        }

        @Override
        public void reportSnapshot(long id, boolean failed) {
            raftLoop.submit(n -> n.reportSnapshot(id, failed));
        }

        @Override
        public List<Member> members() {
            return ServerCore.this.members();
        }

        @Override
        public CompletableFuture<List<Member>> promoteMember(long id) {
            if (!isLeader()) {
                return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
            }
            try {
                return memberChanges.promote(id).thenApply(MemberChanges.Result::members);
            } catch (EtcdException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    // ---- data directory ----

    private static Backend openBackend(ServerConfig config, Path snapDir) throws IOException {
        return openBackendFile(config, snapDir.resolve("db"));
    }

    private static Backend openBackendFile(ServerConfig config, Path file) throws IOException {
        return MvStoreBackend.open(file, new BackendOptions(config.backendBatchInterval(), config.backendBatchLimit()));
    }

    static Path receivedBackendPath(Path snapDir, long index) {
        return snapDir.resolve(String.format("%016x.snap.db", index));
    }

    /** Closes {@code current} and moves the backend received with the snapshot at {@code index} in its place. */
    private static Backend installReceivedBackend(ServerConfig config, Path snapDir, long index, Backend current)
            throws IOException {
        Path received = receivedBackendPath(snapDir, index);
        if (!Files.exists(received)) {
            throw new IOException("the backend is at index " + current.consistentIndex()
                    + ", behind the snapshot at index " + index + ", and the backend received with it ("
                    + received + ") is missing");
        }
        current.close();
        Files.move(received, snapDir.resolve("db"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        return openBackend(config, snapDir);
    }

    private static void deleteStaleReceivedBackends(Path snapDir, long applied) throws IOException {
        try (var files = Files.list(snapDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".snap.db")).toList()) {
                String hex = p.getFileName().toString().replace(".snap.db", "");
                if (Long.parseUnsignedLong(hex, 16) <= applied) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (NumberFormatException e) {
            LOG.warn("unexpected file in {}: {}", snapDir, e.getMessage());
        }
    }

    private static void checkTiming(ServerConfig config) {
        long heartbeat = config.heartbeatInterval().toMillis();
        long election = config.electionTimeout().toMillis();
        if (heartbeat <= 0 || 5 * heartbeat > election) {
            throw new IllegalArgumentException("--election-timeout[" + election
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeat + "ms]");
        }
    }

    private static List<URI> otherPeerUrls(ServerConfig config) {
        List<URI> urls = new ArrayList<>();
        InitialCluster.parse(config.initialCluster()).members().forEach((name, u) -> {
            if (!name.equals(config.name())) {
                urls.addAll(u);
            }
        });
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("initial-cluster-state=existing needs the other members' peer URLs in "
                    + "--initial-cluster; it lists only " + config.name());
        }
        return urls;
    }

    /** A joining member is the one the cluster added with this member's peer URLs (etcdctl member add). */
    private static Identity joiningIdentity(ServerConfig config, RemoteCluster remote) {
        Set<String> own = new HashSet<>();
        config.initialAdvertisePeerUrls().forEach(u -> own.add(u.toString()));
        for (Member m : remote.members()) {
            if (new HashSet<>(m.getPeerURLsList()).equals(own)) {
                if (!m.getName().isEmpty() && !m.getName().equals(config.name())) {
                    throw new IllegalArgumentException("member with peer URLs " + own + " is already started as "
                            + m.getName() + " in cluster " + MemberIds.hex(remote.clusterId()));
                }
                return new Identity(m.getID(), remote.clusterId());
            }
        }
        throw new IllegalArgumentException("cluster " + MemberIds.hex(remote.clusterId())
                + " has no member with peer URLs " + own + "; add it first (etcdctl member add " + config.name()
                + " --peer-urls=" + String.join(",", own) + ")");
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

    private static void closeQuietly(Wal wal) {
        if (wal == null) {
            return;
        }
        try {
            wal.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the WAL failed", e);
        }
    }

    private static void createPrivateDirs(Path... dirs) throws IOException {
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d);
                try {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: nothing to restrict
                }
            }
        }
    }

    /** Who this member is: its id and its cluster's, as recorded in the WAL's metadata. */
    record Identity(long memberId, long clusterId) {
        byte[] metadata() {
            return Metadata.newBuilder().setNodeId(memberId).setClusterId(clusterId).build().toByteArray();
        }
    }

    /** A new cluster's identity and the configuration entries that add its initial members. */
    record Bootstrap(long memberId, long clusterId, List<Member> members, List<Entry> entries) {

        static Bootstrap newCluster(ServerConfig config) {
            InitialCluster cluster = InitialCluster.parse(config.initialCluster());
            List<URI> own = cluster.members().get(config.name());
            if (own == null) {
                throw new IllegalArgumentException("couldn't find local name \"" + config.name()
                        + "\" in the initial cluster configuration");
            }
            if (!new HashSet<>(own).equals(new HashSet<>(config.initialAdvertisePeerUrls()))) {
                throw new IllegalArgumentException("--initial-cluster has " + config.name() + "=" + own
                        + " but missing from --initial-advertise-peer-urls=" + config.initialAdvertisePeerUrls());
            }
            Map<Long, Member> members = new TreeMap<>(Long::compareUnsigned);
            for (Map.Entry<String, List<URI>> m : cluster.members().entrySet()) {
                long id = MemberIds.memberId(m.getValue(), config.initialClusterToken());
                Member.Builder b = Member.newBuilder().setID(id).setName(m.getKey());
                m.getValue().forEach(u -> b.addPeerURLs(u.toString()));
                if (members.put(id, b.build()) != null) {
                    throw new IllegalArgumentException("--initial-cluster has duplicate peer URLs: " + m.getValue());
                }
            }
            long memberId = MemberIds.memberId(own, config.initialClusterToken());
            long clusterId = MemberIds.clusterId(members.keySet());
            List<Entry> entries = new ArrayList<>();
            for (Member m : members.values()) {
                ConfChange cc = ConfChange.newBuilder().setType(ConfChangeType.ConfChangeAddNode)
                        .setNodeId(m.getID()).setContext(m.toByteString()).build();
                entries.add(Entry.newBuilder().setTerm(1).setIndex(entries.size() + 1)
                        .setType(EntryType.EntryConfChange).setData(cc.toByteString()).build());
            }
            return new Bootstrap(memberId, clusterId, List.copyOf(members.values()), entries);
        }
    }
}
