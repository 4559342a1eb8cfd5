package io.ketcd.server;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.EtcdVersion;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.service.BackendCopy;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.AlarmRequest;
import io.ketcd.proto.etcdserverpb.AlarmResponse;
import io.ketcd.proto.etcdserverpb.AlarmType;
import io.ketcd.proto.etcdserverpb.DefragmentResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.HashResponse;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseLeasesRequest;
import io.ketcd.proto.etcdserverpb.LeaseLeasesResponse;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MoveLeaderRequest;
import io.ketcd.proto.etcdserverpb.MoveLeaderResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.RequestHeader;
import io.ketcd.server.internal.BackendQuota;
import io.ketcd.server.internal.MemberChanges;
import io.ketcd.api.service.Caller;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.server.auth.AuthInfo;
import io.ketcd.server.auth.AuthStore;
import io.ketcd.server.auth.KvPermissions;
import io.ketcd.server.auth.TokenProvider;
import io.ketcd.api.service.AuthService;
import io.ketcd.server.internal.CorruptionCheck;
import io.ketcd.server.internal.ServerCore;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd member started from plain Java: {@code KetcdServer.start(config)} opens (or
 * bootstraps) the data directory, replays the WAL into the backend, and serves etcd's KV,
 * Cluster, Maintenance, Watch and Lease services ({@link KvService}, {@link ClusterService},
 * {@link MaintenanceService}, {@link WatchService}, {@link LeaseService}); {@link #close()} stops it. The DS component and the embedded launcher
 * both start members this way. Client listeners (gRPC, HTTP) are separate and use this object.
 *
 * <p>This object outlives the member inside it: a fatal error or a new configuration closes the
 * member and opens it again from its data directory, and the services stay the same object.
 */
public final class KetcdServer implements KvService, ClusterService, MaintenanceService, WatchService, LeaseService,
        Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(KetcdServer.class);
    /** The first wait before a member that stopped on a fatal error is opened again; it doubles up to {@link #MAX_RESTART_DELAY}. */
    static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);

    private volatile ServerConfig config;
    /** Guarded by lifecycle: a restarted member starts on the latest core. */
    private RaftCore raftCore;
    /** Restarts the member after a fatal error; one thread, so restarts never overlap. */
    private final ScheduledExecutorService restarter;
    /** Guards network, generation and closed, and the swap of core. */
    private final Object lifecycle = new Object();
    private PeerNetwork network;
    /** Counts opened members, so only the current one's fatal error restarts it. */
    private long generation;
    private boolean closed;
    private volatile ServerCore core;
    /** etcd's Auth service on this member. */
    private final AuthServer authServer;
    /** Maintenance over the whole backend: HashKV, Snapshot, Hash, Defragment. */
    private final BackendMaintenance backend = new BackendMaintenance(() -> core, this::authInfo);
    /** etcd's periodic corruption check; null when {@code experimental-corrupt-check-time} is 0. */
    private CorruptionCheck corruptionCheck;
    private final AtomicLong restarts = new AtomicLong();

    private KetcdServer(ServerConfig config, RaftCore raftCore, PeerNetwork network) {
        this.config = config;
        this.raftCore = raftCore;
        this.network = network;
        this.authServer = new AuthServer(new AuthMember(), config.bcryptCost());
        this.restarter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ketcd-member-restart");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a member. Returns once the WAL has been replayed and the member serves requests.
     *
     * @throws IOException when the data directory cannot be opened or is corrupt
     * @throws IllegalArgumentException when the configuration is inconsistent
     */
    public static KetcdServer start(ServerConfig config, RaftCore raftCore, PeerNetwork network) throws IOException {
        KetcdServer server = new KetcdServer(config, raftCore, network);
        try {
            synchronized (server.lifecycle) {
                server.core = server.openMember();
                if (config.corruptCheckTime().toNanos() > 0) {
                    server.corruptionCheck = new CorruptionCheck(new CheckedMember(() -> server.core, server::alarm), config.corruptCheckTime(),
                            config.requestTimeout());
                }
            }
        } catch (IOException | RuntimeException e) {
            server.restarter.shutdownNow();
            throw e;
        }
        return server;
    }

    /** Opens the member on the data directory; the caller holds {@link #lifecycle}. */
    private ServerCore openMember() throws IOException {
        if (raftCore == null) {
            throw new IllegalStateException("no raft core service to run the member with");
        }
        long opened = ++generation;
        return ServerCore.open(config, raftCore, network, error -> restartAfter(opened, error));
    }

    /**
     * The member stopped on an error it cannot go on from (etcd's process exits then, and its
     * supervisor starts it again): close what is left of it and open it again from its data
     * directory, as after a crash, so this object serves again instead of answering "server
     * stopped" forever. A member that cannot be opened is tried again, less and less often.
     */
    private void restartAfter(long failed, Throwable error) {
        synchronized (lifecycle) {
            if (closed || failed != generation) {
                return;
            }
        }
        LOG.error("member {} will be restarted from its data directory after: {}", Long.toHexString(core.memberId()), error.toString());
        schedule(failed, Duration.ZERO, FIRST_RESTART_DELAY);
    }

    private void schedule(long failed, Duration delay, Duration nextDelay) {
        try {
            restarter.schedule(() -> restart(failed, nextDelay), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Closes the failed member (once: a failed open leaves nothing open) and opens it again. */
    private void restart(long failed, Duration nextDelay) {
        long retry;
        synchronized (lifecycle) {
            if (closed || failed != generation) {
                return;
            }
            if (!core.isClosed()) {
                core.close();
            }
            try {
                core = openMember();
                LOG.warn("member {} restarted (restart {} of this server)", Long.toHexString(core.memberId()),
                        restarts.incrementAndGet());
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("member restart failed, trying again in {} s: {}", nextDelay.toSeconds(), e.toString());
                retry = generation; // the failed open's own
            }
        }
        Duration after = nextDelay.multipliedBy(2);
        schedule(retry, nextDelay, after.compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY : after);
    }

    /**
     * Runs the member with another configuration: it is closed and opened again from its data
     * directory (the {@code initial-*} flags matter only to a new one), while this object, which
     * clients and services hold, stays. Requests in flight meanwhile fail with "server stopped".
     *
     * @throws IOException when the member cannot be opened with {@code next}; this object then
     *     answers "server stopped" until a later reconfiguration succeeds
     */
    public void reconfigure(ServerConfig next) throws IOException {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("the server is closed");
            }
            core.close();
            config = next;
            core = openMember();
        }
    }

    /**
     * Runs the member with configuration {@code next}: when only keys it follows in place changed
     * ({@link ServerConfig#LIVE_KEYS}: auto-compaction, the watch progress interval, the log
     * level), they take effect at once; when any other key changed, the member is restarted from
     * its data directory ({@link #reconfigure}), which is logged with the keys that made it
     * necessary. Nothing happens when no key changed.
     *
     * @return the keys that changed, and whether the member restarted for them
     * @throws IOException when a restarted member cannot be opened (see {@link #reconfigure})
     */
    public Reconfiguration configure(ServerConfig next) throws IOException {
        synchronized (lifecycle) {
            Set<String> changed = config.changedKeys(next);
            List<String> restartFor = changed.stream().filter(k -> !ServerConfig.LIVE_KEYS.contains(k)).toList();
            if (changed.isEmpty()) {
                return new Reconfiguration(changed, false);
            }
            String member = Long.toHexString(core.memberId());
            if (restartFor.isEmpty()) {
                config = next;
                core.applyLive(next);
                LOG.info("member {} applied {} without a restart", member, describe(changed, next));
                return new Reconfiguration(changed, false);
            }
            LOG.info("member {} restarts from its data directory to apply {}: {} take{} effect only when the member opens",
                    member, describe(changed, next), restartFor, restartFor.size() == 1 ? "s" : "");
            reconfigure(next);
            return new Reconfiguration(changed, true);
        }
    }

    /** What {@link #configure} did. */
    public record Reconfiguration(Set<String> changedKeys, boolean restarted) {
    }

    private static String describe(Set<String> keys, ServerConfig config) {
        return keys.stream().map(k -> k + "=" + config.flags().get(k)).toList().toString();
    }

    /** etcd: 5 s plus two election timeouts, for a request to be proposed, committed and applied. */
    private long requestTimeoutMillis() {
        return config.requestTimeout().toMillis();
    }

    /** How often the member was restarted after a fatal error since this server started. */
    public long restarts() {
        return restarts.get();
    }

    /**
     * Drives the member's raft with a node of {@code core} from now on (a swapped {@link
     * RaftCore} service): the member keeps its log, data, term and configuration, nothing
     * acknowledged is lost and nothing applied twice; a leader may lose its leadership to the
     * next election. A member opened later (a restart) uses {@code core} too.
     */
    public void replaceRaftCore(RaftCore core) {
        Objects.requireNonNull(core, "core");
        synchronized (lifecycle) {
            raftCore = core;
            this.core.replaceRaftCore(core);
        }
    }

    /**
     * The raft core service went away and none replaces it (yet): the member lets go of its raft
     * node, whose classes belong to the departing bundle, and its raft stands still, its data and
     * log untouched, until {@link #replaceRaftCore} gives it a core again. Requests meanwhile wait
     * or time out as they would without a leader. A member that has to be opened again meanwhile
     * (a fatal error) is opened once a core is back.
     */
    public void releaseRaftCore() {
        synchronized (lifecycle) {
            raftCore = null;
            this.core.releaseRaftCore();
        }
    }

    /**
     * Re-opens the peer listeners from {@code listeners} and restarts the peer transport with
     * {@code peerTls}; raft, data and the cluster are untouched (a swapped ListenerFactory or
     * TLS policy). {@code listeners} may be null while no factory is available: peers then cannot
     * reach this member until the next call.
     */
    public void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls) {
        synchronized (lifecycle) {
            network = new PeerNetwork(network.transports(), listeners, peerTls);
            core.replacePeerNetwork(listeners, peerTls);
        }
    }

    @Override
    public CompletableFuture<RangeResponse> range(Caller caller, RangeRequest request) {
        try {
            core.reads().validateRange(request);
            AuthInfo who = authInfo(caller);
            if (who != null) {
                KvPermissions.range(core.auth(), who, request);
            }
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return read(request.getSerializable(), () -> withHeader(core.reads().range(request)));
    }

    /**
     * Serves a read from the local store, off the caller's thread: against what is applied now
     * when serializable, otherwise once everything committed before the call is applied.
     */
    private <T> CompletableFuture<T> read(boolean serializable, Supplier<T> read) {
        if (serializable) {
            return core.reads().serializableRead(read);
        }
        return core.reads().linearizableRead(read)
                .orTimeout(requestTimeoutMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd);
    }

    @Override
    public CompletableFuture<PutResponse> put(Caller caller, PutRequest request) {
        if (overQuota(BackendQuota.cost(request))) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        return propose(caller, InternalRaftRequest.newBuilder().setPut(request), PutResponse.class)
                .thenApply(this::withHeader);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(Caller caller, DeleteRangeRequest request) {
        return propose(caller, InternalRaftRequest.newBuilder().setDeleteRange(request), DeleteRangeResponse.class)
                .thenApply(this::withHeader);
    }

    /**
     * A txn that only reads is served like a range, as etcd does: no log entry, serializable
     * when every range in it is; any other txn goes through the log.
     */
    @Override
    public CompletableFuture<TxnResponse> txn(Caller caller, TxnRequest request) {
        if (core.reads().isReadOnly(request)) {
            try {
                core.reads().validateReadOnlyTxn(request);
                AuthInfo who = authInfo(caller);
                if (who != null) {
                    KvPermissions.txn(core.auth(), who, request);
                }
            } catch (EtcdException e) {
                return CompletableFuture.failedFuture(e);
            }
            return read(isSerializable(request), () -> withHeader(core.reads().readOnlyTxn(request)));
        }
        if (overQuota(BackendQuota.cost(request))) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        return propose(caller, InternalRaftRequest.newBuilder().setTxn(request), TxnResponse.class)
                .thenApply(this::withHeader);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(Caller caller, CompactionRequest request) {
        return propose(caller, InternalRaftRequest.newBuilder().setCompaction(request), CompactionResponse.class)
                .thenApply(this::withHeader);
    }

    /**
     * A watch stream on the member running now, served from what it applied; when the member
     * stops (closed, restarted, reconfigured) the stream ends with "server stopped" and the
     * client watches again from its last revision + 1.
     */
    @Override
    public WatchSession open(Caller caller, WatchClient client) {
        return core.openWatch(client, create -> mayWatch(caller, create));
    }

    /** etcd's isWatchPermitted: read permission on the range, asked again at every create. */
    private boolean mayWatch(Caller caller, WatchCreateRequest create) {
        try {
            AuthInfo who = authInfo(caller);
            if (who != null) {
                core.auth().checkPermitted(who, create.getKey(), create.getRangeEnd(), false);
            }
            return true;
        } catch (EtcdException e) {
            return false;
        }
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return call(() -> StatusResponse.newBuilder()
                .setHeader(header(core.currentRevision()))
                .setVersion(EtcdVersion.SERVER)
                .setDbSize(core.dbSize())
                .setDbSizeInUse(core.dbSizeInUse())
                .setLeader(core.leader())
                .setRaftIndex(core.committedIndex())
                .setRaftTerm(core.term())
                .setRaftAppliedIndex(core.appliedIndex())
                .setIsLearner(core.isLearner())
                .addAllErrors(core.alarmTexts())
                .build());
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(Caller caller, HashKVRequest request) {
        return backend.hashKV(caller, request);
    }

    @Override
    public BackendCopy snapshot(Caller caller) {
        return backend.snapshot(caller);
    }

    @Override
    public CompletableFuture<HashResponse> hash(Caller caller) {
        return backend.hash(caller);
    }

    @Override
    public CompletableFuture<DefragmentResponse> defragment(Caller caller) {
        return backend.defragment(caller);
    }

    /** Every action goes through the log, as in etcd: GET too, so it answers what the cluster agreed on. */
    @Override
    public CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
        return propose(InternalRaftRequest.newBuilder().setAlarm(request), AlarmResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    /**
     * etcd's quota check before a put, a txn or a lease grant: when the backend file plus what
     * the request adds reaches {@code quota-backend-bytes}, this member raises a NOSPACE alarm
     * through the log (so every member refuses such writes from then on) and the request fails.
     */
    private boolean overQuota(long cost) {
        if (!new BackendQuota(config.quotaBackendBytes(), core::dbSize).exceededBy(cost)) {
            return false;
        }
        AlarmRequest raise = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(core.memberId()).setAlarm(AlarmType.NOSPACE).build();
        alarm(raise).whenComplete((raised, failure) -> {
            if (failure != null) {
                LOG.warn("could not raise the NOSPACE alarm: {}", failure.getMessage());
            }
        });
        return true;
    }

    @Override
    public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
        if (!core.isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        LOG.info("leadership transfer from {} to {} starting", Long.toHexString(core.memberId()),
                Long.toHexString(request.getTargetID()));
        // etcd waits as long as the client's deadline; without one, the request timeout bounds it here
        return core.transferLeadership(request.getTargetID())
                .orTimeout(requestTimeoutMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(t -> timeoutAs(EtcdError.TIMEOUT_LEADER_TRANSFER, t))
                .thenApply(led -> MoveLeaderResponse.getDefaultInstance());
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        return call(() -> {
            MemberListResponse.Builder b = MemberListResponse.newBuilder().setHeader(header(core.currentRevision()));
            for (Member m : core.members()) {
                if (m.getID() == core.memberId()) {
                    // Client URLs are this run's advertise-client-urls, as etcd publishes them on start.
                    Member.Builder self = m.toBuilder().clearClientURLs().setName(config.name());
                    for (URI u : config.advertiseClientUrls()) {
                        self.addClientURLs(u.toString());
                    }
                    m = self.build();
                }
                b.addMembers(m);
            }
            return b.build();
        });
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(Caller caller, MemberAddRequest request) {
        return memberChange(caller, () -> core.memberChanges().add(request.getPeerURLsList(), request.getIsLearner()),
                r -> MemberAddResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .setMember(r.member()).addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(Caller caller, MemberRemoveRequest request) {
        return memberChange(caller, () -> core.memberChanges().remove(request.getID()),
                r -> MemberRemoveResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(Caller caller, MemberUpdateRequest request) {
        return memberChange(caller, () -> core.memberChanges().update(request.getID(), request.getPeerURLsList()),
                r -> MemberUpdateResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(Caller caller, MemberPromoteRequest request) {
        return memberChange(caller, () -> core.memberChanges().promote(request.getID()),
                r -> MemberPromoteResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    /** etcd's LeaseGrant: an id of zero gets a positive one made from a request id. */
    @Override
    public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        if (overQuota(BackendQuota.LEASE_COST_BYTES)) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        long id = request.getID();
        while (id == 0) {
            id = core.proposals().nextRequestId() & Long.MAX_VALUE;
        }
        return propose(InternalRaftRequest.newBuilder().setLeaseGrant(request.toBuilder().setID(id)), LeaseGrantResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    @Override
    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(Caller caller, LeaseRevokeRequest request) {
        return propose(caller, InternalRaftRequest.newBuilder().setLeaseRevoke(request), LeaseRevokeResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    /**
     * The header is made before the renew, as etcd's keep-alive stream does, so its revision is
     * never after one at which the lease was revoked.
     */
    @Override
    public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
        LeaseKeepAliveResponse.Builder response = LeaseKeepAliveResponse.newBuilder().setID(request.getID());
        try {
            response.setHeader(header(core.currentRevision()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return core.leases().renew(request.getID()).orTimeout(leaseBackstopMillis(), TimeUnit.MILLISECONDS)
                .handle((ttl, e) -> response.setTTL(leaseAnswer(ttl, e, 0L)).build());
    }

    /**
     * An unknown lease's time-to-live is TTL -1, as etcd's gRPC layer answers. With auth on, a
     * request for the keys needs read permission on each of them (etcd's checkLeaseTimeToLive,
     * added in 3.4.26 so that key names do not leak to users who may not read them).
     */
    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(Caller caller, LeaseTimeToLiveRequest request) {
        AuthInfo who;
        try {
            who = request.getKeys() ? authInfo(caller) : null;
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return core.leases().timeToLive(request).orTimeout(leaseBackstopMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
            LeaseTimeToLiveResponse found = leaseAnswer(r, e, null);
            LeaseTimeToLiveResponse.Builder b = found != null ? found.toBuilder()
                    : LeaseTimeToLiveResponse.newBuilder().setID(request.getID()).setTTL(-1);
            if (who != null) {
                for (com.google.protobuf.ByteString key : b.getKeysList()) {
                    core.auth().checkPermitted(who, key, com.google.protobuf.ByteString.EMPTY, false);
                }
            }
            return b.setHeader(header(core.currentRevision())).build();
        });
    }

    @Override
    public CompletableFuture<LeaseLeasesResponse> leaseLeases(LeaseLeasesRequest request) {
        return call(() -> {
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(header(core.currentRevision()));
            core.lessor().leases().forEach(l -> b.addLeasesBuilder().setID(l.id()));
            return b.build();
        });
    }

    /**
     * A bound beyond the lease requests' own (the request timeout, after which they answer NO_LEADER
     * or TIMEOUT as etcd does), only so that nothing waits for ever.
     */
    private long leaseBackstopMillis() {
        return requestTimeoutMillis() + 1000;
    }

    /** {@code value}, or {@code notFound} when the lease was not found; any other failure is rethrown. */
    private static <T> T leaseAnswer(T value, Throwable failure, T notFound) {
        if (failure == null) {
            return value;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof EtcdException e && e.error() == EtcdError.LEASE_NOT_FOUND) {
            return notFound;
        }
        if (cause instanceof TimeoutException) {
            throw EtcdError.TIMEOUT.exception();
        }
        throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }

    private <T> CompletableFuture<T> memberChange(Caller caller, Supplier<CompletableFuture<MemberChanges.Result>> change,
                                                  java.util.function.Function<MemberChanges.Result, T> response) {
        CompletableFuture<MemberChanges.Result> result;
        try {
            // etcd's checkMembershipOperationPermission: with auth on, a user with the root role
            AuthInfo who = authInfo(caller);
            if (who != null) {
                core.auth().checkAdmin(who);
            }
            result = change.get();
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return result.orTimeout(requestTimeoutMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd)
                .thenApply(response);
    }

    /** The configuration the member runs with. */
    public ServerConfig config() {
        return config;
    }

    public long clusterId() {
        return core.clusterId();
    }

    public long memberId() {
        return core.memberId();
    }

    /** Stops serving: pending requests fail with "server stopped"; the backend is committed. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
            if (corruptionCheck != null) {
                corruptionCheck.close();
            }
            authServer.close();
            core.close();
        }
        restarter.shutdownNow();
    }

    /** etcd's Auth service of this member (users, roles, enabling auth, tokens). */
    public AuthService auth() {
        return authServer;
    }

    /** The member as its auth server sees it: whichever core runs now. */
    private final class AuthMember implements AuthServer.Member {
        @Override
        public AuthStore auth() {
            return core.auth();
        }

        @Override
        public TokenProvider tokens() {
            return core.tokens();
        }

        @Override
        public <T> CompletableFuture<T> propose(Caller caller, InternalRaftRequest.Builder request, Class<T> type) {
            return KetcdServer.this.propose(caller, request, type)
                    .thenApply(r -> type.cast(withAuthHeader(r)));
        }
    }


    /**
     * Who {@code caller} is (etcd's AuthInfoFromCtx): null for a caller inside the node, whom
     * nothing restricts; the token's user when a token came, {@code INVALID_AUTH_TOKEN} when it
     * is unknown or expired; else the client certificate's common name at the current auth
     * revision; else nobody ({@link AuthInfo#NONE}), which auth, when on, refuses.
     */
    AuthInfo authInfo(Caller caller) {
        if (caller.internal()) {
            return null;
        }
        AuthStore auth = core.auth();
        if (!caller.token().isEmpty()) {
            return auth.tokenInfo(caller.token());
        }
        if (!caller.commonName().isEmpty()) {
            return new AuthInfo(caller.commonName(), auth.revision());
        }
        return AuthInfo.NONE;
    }

    /** Proposes a request of the node's own. */
    private <T> CompletableFuture<T> propose(InternalRaftRequest.Builder request, Class<T> type) {
        return propose(Caller.INTERNAL, request, type);
    }

    /**
     * Proposes {@code request} with {@code caller}'s user and auth revision in its header, which
     * the appliers check the request against as it is applied.
     */
    <T> CompletableFuture<T> propose(Caller caller, InternalRaftRequest.Builder request, Class<T> type) {
        CompletableFuture<Object> result;
        try {
            core.proposals().validate(request);
            AuthInfo who = authInfo(caller);
            long id = core.proposals().nextRequestId();
            RequestHeader.Builder header = RequestHeader.newBuilder().setId(id);
            if (who == null) {
                header.setInternal(true);
            } else {
                header.setUsername(who.username()).setAuthRevision(who.revision());
            }
            request.setHeader(header);
            result = core.proposals().propose(id, request.build().toByteString());
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return result.orTimeout(requestTimeoutMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd)
                .thenApply(type::cast);
    }

    private static boolean isSerializable(TxnRequest request) {
        return Stream.concat(request.getSuccessList().stream(), request.getFailureList().stream())
                .allMatch(op -> op.getRequestRange().getSerializable());
    }

    private static <T> T timeoutToEtcd(Throwable t) {
        return timeoutAs(EtcdError.TIMEOUT, t);
    }

    /** Rethrows {@code t}, a timeout as {@code error}. */
    private static <T> T timeoutAs(EtcdError error, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof TimeoutException) {
            throw error.exception();
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        throw new CompletionException(cause);
    }

    static <T> CompletableFuture<T> call(Supplier<T> work) {
        try {
            return CompletableFuture.completedFuture(work.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ResponseHeader header(long revision) {
        return core.header(revision);
    }

    private RangeResponse withHeader(RangeResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    private PutResponse withHeader(PutResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    private DeleteRangeResponse withHeader(DeleteRangeResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    private TxnResponse withHeader(TxnResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    private CompactionResponse withHeader(CompactionResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    /** Fills the header (cluster, member, term) of a response whose applier set only its revision. */
    private Object withAuthHeader(Object response) {
        com.google.protobuf.Message m = (com.google.protobuf.Message) response;
        com.google.protobuf.Descriptors.FieldDescriptor field = m.getDescriptorForType().findFieldByName("header");
        ResponseHeader applied = (ResponseHeader) m.getField(field);
        return m.toBuilder().setField(field, header(applied.getRevision())).build();
    }
}
