package io.ketcd.server;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
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
import io.ketcd.server.internal.MemberChanges;
import io.ketcd.server.internal.ServerCore;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One etcd member started from plain Java: {@code KetcdServer.start(config)} opens (or
 * bootstraps) the data directory, replays the WAL into the backend, and serves
 * {@link EtcdServer}; {@link #close()} stops it. The DS component and the embedded launcher both
 * start members this way. Client listeners (gRPC, HTTP) are separate and use this object.
 */
public final class KetcdServer implements EtcdServer, Closeable {
    /** The etcd release whose API and behaviour ketcd follows; reported by Status and /version. */
    public static final String ETCD_VERSION = "3.4.23";
    /** The cluster version reported with it, as etcd reports "major.minor.0". */
    public static final String ETCD_CLUSTER_VERSION = "3.4.0";

    private final ServerConfig config;
    private final ServerCore core;
    private final MemberChanges memberChanges;
    private final long requestTimeoutMillis;

    private KetcdServer(ServerConfig config, ServerCore core) {
        this.config = config;
        this.core = core;
        this.memberChanges = core.memberChanges();
        // etcd: 5 s plus two election timeouts, for a request to be proposed, committed and applied.
        this.requestTimeoutMillis = 5000 + 2 * config.electionTimeout().toMillis();
    }

    /**
     * Starts a member. Returns once the WAL has been replayed and the member serves requests.
     *
     * @throws IOException when the data directory cannot be opened or is corrupt
     * @throws IllegalArgumentException when the configuration is inconsistent
     */
    public static KetcdServer start(ServerConfig config, RaftCore raftCore, PeerNetwork network) throws IOException {
        return new KetcdServer(config, ServerCore.open(config, raftCore, network));
    }

    /**
     * Re-opens the peer listeners from {@code listeners} and restarts the peer transport with
     * {@code peerTls}; raft, data and the cluster are untouched (a swapped ListenerFactory or
     * TLS policy). {@code listeners} may be null while no factory is available: peers then cannot
     * reach this member until the next call.
     */
    public void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls) {
        core.replacePeerNetwork(listeners, peerTls);
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        try {
            core.validateRange(request);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return read(request.getSerializable(), () -> withHeader(core.range(request)));
    }

    /**
     * Serves a read from the local store: at once when serializable, otherwise once everything
     * committed before the call is applied.
     */
    private <T> CompletableFuture<T> read(boolean serializable, Supplier<T> read) {
        if (serializable) {
            return call(read);
        }
        return core.linearizableRead(read)
                .orTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd);
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return propose(InternalRaftRequest.newBuilder().setPut(request), PutResponse.class)
                .thenApply(this::withHeader);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return propose(InternalRaftRequest.newBuilder().setDeleteRange(request), DeleteRangeResponse.class)
                .thenApply(this::withHeader);
    }

    /**
     * A txn that only reads is served like a range, as etcd does: no log entry, serializable
     * when every range in it is; any other txn goes through the log.
     */
    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        if (core.isReadOnly(request)) {
            try {
                core.validateReadOnlyTxn(request);
            } catch (EtcdException e) {
                return CompletableFuture.failedFuture(e);
            }
            return read(isSerializable(request), () -> withHeader(core.readOnlyTxn(request)));
        }
        return propose(InternalRaftRequest.newBuilder().setTxn(request), TxnResponse.class)
                .thenApply(this::withHeader);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return propose(InternalRaftRequest.newBuilder().setCompaction(request), CompactionResponse.class)
                .thenApply(this::withHeader);
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return call(() -> StatusResponse.newBuilder()
                .setHeader(header(core.currentRevision()))
                .setVersion(ETCD_VERSION)
                .setDbSize(core.dbSize())
                .setDbSizeInUse(core.dbSizeInUse())
                .setLeader(core.leader())
                .setRaftIndex(core.committedIndex())
                .setRaftTerm(core.term())
                .setRaftAppliedIndex(core.appliedIndex())
                .setIsLearner(core.isLearner())
                .build());
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        return call(() -> {
            HashKVResponse r = core.hashKV(request);
            return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        });
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
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        return memberChange(() -> memberChanges.add(request.getPeerURLsList(), request.getIsLearner()),
                r -> MemberAddResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .setMember(r.member()).addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        return memberChange(() -> memberChanges.remove(request.getID()),
                r -> MemberRemoveResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        return memberChange(() -> memberChanges.update(request.getID(), request.getPeerURLsList()),
                r -> MemberUpdateResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        return memberChange(() -> memberChanges.promote(request.getID()),
                r -> MemberPromoteResponse.newBuilder().setHeader(header(core.currentRevision()))
                        .addAllMembers(r.members()).build());
    }

    private <T> CompletableFuture<T> memberChange(Supplier<CompletableFuture<MemberChanges.Result>> change,
                                                  java.util.function.Function<MemberChanges.Result, T> response) {
        CompletableFuture<MemberChanges.Result> result;
        try {
            result = change.get();
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return result.orTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd)
                .thenApply(response);
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public long clusterId() {
        return core.clusterId();
    }

    @Override
    public long memberId() {
        return core.memberId();
    }

    /** Stops serving: pending requests fail with "server stopped"; the backend is committed. */
    @Override
    public void close() {
        core.close();
    }

    private <T> CompletableFuture<T> propose(InternalRaftRequest.Builder request, Class<T> type) {
        CompletableFuture<Object> result;
        try {
            core.validate(request);
            long id = core.nextRequestId();
            request.setHeader(RequestHeader.newBuilder().setId(id));
            result = core.propose(id, request.build().toByteString());
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return result.orTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                .exceptionally(KetcdServer::timeoutToEtcd)
                .thenApply(type::cast);
    }

    private static boolean isSerializable(TxnRequest request) {
        return Stream.concat(request.getSuccessList().stream(), request.getFailureList().stream())
                .allMatch(op -> op.getRequestRange().getSerializable());
    }

    private static <T> T timeoutToEtcd(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof TimeoutException) {
            throw EtcdError.TIMEOUT.exception();
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        throw new CompletionException(cause);
    }

    private static <T> CompletableFuture<T> call(Supplier<T> work) {
        try {
            return CompletableFuture.completedFuture(work.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(core.clusterId())
                .setMemberId(core.memberId())
                .setRevision(revision)
                .setRaftTerm(core.term())
                .build();
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
}
