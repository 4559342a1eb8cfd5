package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.KvStore;
import io.ketcd.mvcc.RequestValidator;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.Metadata;
import io.ketcd.server.ServerConfig;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.Wal;
import io.ketcd.storage.WalContents;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's engine room: the data directory (WAL + backend), the log, the raft and apply
 * loops, and the stores they feed. {@link io.ketcd.server.KetcdServer} puts etcd's request and
 * response rules on top.
 *
 * <p>Data directory layout, as etcd's: {@code <data-dir>/member/wal/} and
 * {@code <data-dir>/member/snap/db}.
 */
public final class ServerCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);
    /** etcd refuses new proposals when this many committed entries wait to be applied. */
    static final long MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000;
    private static final int MAX_PENDING_PROPOSALS = 64 * 1024;

    private final ServerConfig config;
    private final long memberId;
    private final long clusterId;
    private final Backend backend;
    private final Wal wal;
    private final KvStore kv;
    private final Membership membership;
    private final Waiters waiters = new Waiters();
    private final AppliedIndex appliedIndex;
    private final RequestIds requestIds;
    private final RaftLoop raftLoop;
    private final ApplyLoop applyLoop;
    private final ExecutorService raftThread;
    private final ExecutorService applyThread;
    private final ExecutorService readers;
    private volatile boolean stopped;

    private ServerCore(ServerConfig config, Backend backend, Wal wal, WalContents recovered,
                       long memberId, long clusterId, List<ByteString> bootstrap) {
        this.config = config;
        this.backend = backend;
        this.wal = wal;
        this.memberId = memberId;
        this.clusterId = clusterId;
        this.kv = new KvStore(backend);
        this.membership = new Membership(backend);
        this.appliedIndex = new AppliedIndex(backend.consistentIndex());
        this.requestIds = new RequestIds(memberId, System.currentTimeMillis());
        this.applyLoop = new ApplyLoop(backend, kv, membership, waiters, appliedIndex, this::fatal);
        long lastIndex = recovered.entries().isEmpty()
                ? Math.max(backend.consistentIndex(), recovered.hardState().getCommit())
                : recovered.entries().get(recovered.entries().size() - 1).getIndex();
        // a new cluster's configuration entries are at term 1, as etcd's bootstrap writes them
        HardState start = bootstrap.isEmpty() ? recovered.hardState() : HardState.newBuilder().setTerm(1).build();
        SingleMemberLog log = new SingleMemberLog(memberId, start, lastIndex);
        this.raftLoop = new RaftLoop(log, wal, MAX_PENDING_PROPOSALS, applyLoop::enqueue, this::fatal);
        this.applyThread = Executors.newSingleThreadExecutor(named("ketcd-apply"));
        this.raftThread = Executors.newSingleThreadExecutor(named("ketcd-raft"));
        this.readers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                named("ketcd-read"));
        applyThread.execute(applyLoop);
        // Replay what the WAL holds beyond the backend's consistent index, then bootstrap a new
        // cluster's membership, then take leadership of a new term, as a single member's election would.
        if (!recovered.entries().isEmpty()) {
            applyLoop.enqueue(recovered.entries());
        }
        if (!bootstrap.isEmpty()) {
            raftLoop.persistAndCommit(log.appendConfChanges(bootstrap));
        }
        raftLoop.persistAndCommit(log.becomeLeader());
        raftThread.execute(raftLoop);
    }

    /** Opens the member's data directory, bootstrapping it on first start. */
    public static ServerCore open(ServerConfig config) throws IOException {
        Path member = config.dataDir().resolve("member");
        Path walDir = member.resolve("wal");
        Path snapDir = member.resolve("snap");
        createPrivateDirs(config.dataDir(), member, walDir, snapDir);
        Backend backend = MvStoreBackend.open(snapDir.resolve("db"),
                new BackendOptions(config.backendBatchInterval(), config.backendBatchLimit()));
        Wal wal = null;
        try {
            if (Wal.exists(walDir)) {
                wal = Wal.open(walDir);
                WalContents recovered = wal.readAll(backend.consistentIndex());
                Metadata meta = Metadata.parseFrom(recovered.metadata());
                LOG.info("restarting member {} in cluster {} from {} (commit index {}, {} entries to replay)",
                        MemberIds.hex(meta.getNodeId()), MemberIds.hex(meta.getClusterId()), config.dataDir(),
                        recovered.hardState().getCommit(), recovered.entries().size());
                ServerCore core = new ServerCore(config, backend, wal, recovered, meta.getNodeId(), meta.getClusterId(), List.of());
                core.awaitReplay();
                return core;
            }
            Bootstrap boot = Bootstrap.newCluster(config);
            wal = Wal.create(walDir, Metadata.newBuilder().setNodeId(boot.memberId()).setClusterId(boot.clusterId())
                    .build().toByteArray());
            LOG.info("starting member {} in new cluster {} at {}", MemberIds.hex(boot.memberId()),
                    MemberIds.hex(boot.clusterId()), config.dataDir());
            WalContents empty = new WalContents(new byte[0], HardState.getDefaultInstance(), List.of());
            return new ServerCore(config, backend, wal, empty, boot.memberId(), boot.clusterId(), boot.entries());
        } catch (RuntimeException | IOException e) {
            closeQuietly(wal);
            backend.close();
            throw e;
        }
    }

    private void awaitReplay() throws IOException {
        try {
            appliedIndex.await(raftLoop.committedIndex()).get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            close();
            throw new IOException("replaying the WAL failed", e);
        }
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

    public long currentRevision() {
        return kv.currentRevision();
    }

    public long dbSize() {
        return backend.sizeBytes();
    }

    public long dbSizeInUse() {
        return backend.sizeInUseBytes();
    }

    public List<Member> members() {
        return membership.list();
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

    public RangeResponse range(RangeRequest request) {
        return kv.range(request);
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
        return kv.txn(request);
    }

    /**
     * Proposes a serialized request; the future completes with the apply result (a response
     * message) or fails with an {@link EtcdException}.
     */
    public CompletableFuture<Object> propose(long id, ByteString data) {
        if (stopped) {
            throw EtcdError.STOPPED.exception();
        }
        if (data.size() > config.maxRequestBytes()) {
            throw EtcdError.REQUEST_TOO_LARGE.exception();
        }
        if (raftLoop.committedIndex() - appliedIndex.get() > MAX_GAP_BETWEEN_APPLY_AND_COMMIT) {
            throw EtcdError.TOO_MANY_REQUESTS.exception();
        }
        CompletableFuture<Object> f = waiters.register(id);
        if (!raftLoop.propose(data)) {
            waiters.fail(id, EtcdError.TOO_MANY_REQUESTS.exception());
        }
        // a request that times out must not leave its waiter behind
        f.whenComplete((r, t) -> {
            if (t != null) {
                waiters.fail(id, t);
            }
        });
        return f;
    }

    /**
     * Runs {@code read} once everything committed before this call is applied (the read index
     * of a single member is its commit index), so it observes every write acknowledged before.
     */
    public <T> CompletableFuture<T> linearizableRead(Supplier<T> read) {
        if (stopped) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        CompletableFuture<Void> applied = appliedIndex.await(raftLoop.committedIndex());
        if (applied.isDone()) {
            try {
                return CompletableFuture.completedFuture(read.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        // do not run reads on the apply thread that completes the wait
        return applied.thenApplyAsync(v -> read.get(), readers);
    }

    private void fatal(Throwable error) {
        LOG.error("member {} stopping after a fatal error", MemberIds.hex(memberId), error);
        stopped = true;
        waiters.failAll(EtcdError.STOPPED.exception());
        appliedIndex.failAll(EtcdError.STOPPED.exception());
    }

    @Override
    public void close() {
        stopped = true;
        raftThread.shutdownNow();
        awaitTermination(raftThread, "raft");
        applyLoop.stop();
        applyThread.shutdown();
        awaitTermination(applyThread, "apply");
        readers.shutdownNow();
        waiters.failAll(EtcdError.STOPPED.exception());
        appliedIndex.failAll(EtcdError.STOPPED.exception());
        backend.close();
        closeQuietly(wal);
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

    private static java.util.concurrent.ThreadFactory named(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A new cluster's identity and the configuration entries that add its initial members. */
    record Bootstrap(long memberId, long clusterId, List<ByteString> entries) {

        static Bootstrap newCluster(ServerConfig config) {
            if (config.initialClusterState().equals("existing")) {
                throw new IllegalArgumentException("initial-cluster-state=existing needs a cluster to join; "
                        + "joining an existing cluster is not supported by this ketcd version (member "
                        + config.name() + ")");
            }
            InitialCluster cluster = InitialCluster.parse(config.initialCluster());
            List<URI> own = cluster.members().get(config.name());
            if (own == null) {
                throw new IllegalArgumentException("couldn't find local name \"" + config.name()
                        + "\" in the initial cluster configuration");
            }
            if (!new java.util.HashSet<>(own).equals(new java.util.HashSet<>(config.initialAdvertisePeerUrls()))) {
                throw new IllegalArgumentException("--initial-cluster has " + config.name() + "=" + own
                        + " but missing from --initial-advertise-peer-urls=" + config.initialAdvertisePeerUrls());
            }
            Map<Long, Member> members = new TreeMap<>(Long::compareUnsigned);
            for (Map.Entry<String, List<URI>> m : cluster.members().entrySet()) {
                long id = MemberIds.memberId(m.getValue(), config.initialClusterToken());
                Member.Builder b = Member.newBuilder().setID(id).setName(m.getKey());
                m.getValue().forEach(u -> b.addPeerURLs(u.toString()));
                members.put(id, b.build());
            }
            long memberId = MemberIds.memberId(own, config.initialClusterToken());
            long clusterId = MemberIds.clusterId(members.keySet());
            List<ByteString> entries = new ArrayList<>();
            for (Member m : members.values()) {
                entries.add(ConfChange.newBuilder().setType(ConfChangeType.ConfChangeAddNode)
                        .setNodeId(m.getID()).setContext(m.toByteString()).build().toByteString());
            }
            return new Bootstrap(memberId, clusterId, entries);
        }
    }
}
