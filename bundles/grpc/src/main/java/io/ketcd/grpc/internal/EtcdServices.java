package io.ketcd.grpc.internal;

import io.grpc.BindableService;
import io.grpc.DecompressorRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketcd.grpc.internal.stub.AuthGrpc;
import io.ketcd.grpc.internal.stub.ClusterGrpc;
import io.ketcd.grpc.internal.stub.ElectionGrpc;
import io.ketcd.grpc.internal.stub.KVGrpc;
import io.ketcd.grpc.internal.stub.LeaseGrpc;
import io.ketcd.grpc.internal.stub.LockGrpc;
import io.ketcd.grpc.internal.stub.MaintenanceGrpc;
import io.ketcd.grpc.internal.stub.WatchGrpc;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
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
import io.ketcd.proto.etcdserverpb.MemberListRequest;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.AlarmRequest;
import io.ketcd.proto.etcdserverpb.AlarmResponse;
import io.ketcd.proto.etcdserverpb.DefragmentRequest;
import io.ketcd.proto.etcdserverpb.DefragmentResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.HashRequest;
import io.ketcd.proto.etcdserverpb.HashResponse;
import io.ketcd.proto.etcdserverpb.MoveLeaderRequest;
import io.ketcd.proto.etcdserverpb.MoveLeaderResponse;
import io.ketcd.proto.etcdserverpb.SnapshotRequest;
import io.ketcd.proto.etcdserverpb.SnapshotResponse;
import io.ketcd.proto.etcdserverpb.StatusRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.CampaignResponse;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ProclaimResponse;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3electionpb.ResignResponse;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;
import io.ketcd.api.EtcdError;
import io.ketcd.grpc.ClientServices;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * etcd's eight client services bound to the member's service facets ({@link ClientServices}).
 *
 * <p>All services are registered, including the methods ketcd does not implement yet: those
 * answer UNIMPLEMENTED with "etcdserver: &lt;service&gt;/&lt;method&gt; is not supported in
 * ketcd yet". grpc-java would answer an unregistered method with UNIMPLEMENTED too, and etcdctl
 * and jetcd treat both alike (an error, no retry), but its "Method not found" text does not tell
 * a user that the method exists in etcd and is missing in ketcd.
 */
public final class EtcdServices {

    private EtcdServices() {
    }

    /**
     * The methods whose handlers never block: they check the request and hand it on (to raft, or
     * to the server's read pool), and their answers come later from whoever completes them. gRPC
     * may run them on the transport thread that read the request, sparing a hand-off to the
     * executor and back; everything else (streams, maintenance, membership) runs on the executor.
     */
    private static final Set<String> NON_BLOCKING = Set.of(
            KVGrpc.getRangeMethod().getFullMethodName(),
            KVGrpc.getPutMethod().getFullMethodName(),
            KVGrpc.getDeleteRangeMethod().getFullMethodName(),
            KVGrpc.getTxnMethod().getFullMethodName(),
            KVGrpc.getCompactMethod().getFullMethodName(),
            LeaseGrpc.getLeaseKeepAliveMethod().getFullMethodName());

    /**
     * The services bound to {@code server}, and what ends their long-lived streams.
     *
     * @param definitions the service definitions to add to a gRPC server
     * @param streams ends the open streams (the server is closing) and stops watching the leader
     */
    public record Bound(List<ServerServiceDefinition> definitions, AutoCloseable streams) {
        /** Whether {@code method}'s handler never blocks, so it may run on a transport thread. */
        public boolean nonBlocking(MethodDescriptor<?, ?> method) {
            return NON_BLOCKING.contains(method.getFullMethodName());
        }
    }

    /**
     * The service definitions to add to a gRPC server; large answers are sent from {@code
     * executor} ({@link UnaryReplies}).
     * Requests are decoded by {@link RequestDecoding}, which logs the undecodable ones to
     * {@code badInput}. Streams whose clients require a leader check for one every {@code
     * electionTimeout}.
     */
    public static Bound bind(ClientServices server, Executor executor, BadInputLog badInput, Duration electionTimeout) {
        RequestDecoding decoding = new RequestDecoding(badInput);
        StreamGuard guard = new StreamGuard(server.maintenance());
        LeaderMonitor monitor = new LeaderMonitor(server.maintenance(), guard, electionTimeout);
        Callers callers = new Callers();
        List<ServerServiceDefinition> definitions = services(server, new UnaryReplies(executor), guard).stream()
                .map(decoding::wrap).map(d -> ServerInterceptors.intercept(d, callers)).toList();
        return new Bound(definitions, () -> {
            monitor.close();
            guard.endAll(EtcdError.STOPPED.exception());
        });
    }

    /** The request decompressors that go with {@link #bind}'s decoding. */
    public static DecompressorRegistry decompressors() {
        return LazyGzip.registry();
    }

    private static List<ServerServiceDefinition> services(ClientServices server, UnaryReplies replies,
                                                          StreamGuard guard) {
        return List.of(
                KVGrpc.bindService(new Kv(server.kv(), replies)),
                partly(new MaintenanceGrpc.MaintenanceImplBase() {
                    @Override
                    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
                        replies.reply("Maintenance/Status", server.maintenance()::status, observer);
                    }

                    @Override
                    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
                        replies.reply("Maintenance/HashKV", () -> server.maintenance().hashKV(Callers.current(), request), observer);
                    }

                    @Override
                    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
                        replies.reply("Maintenance/MoveLeader", () -> server.maintenance().moveLeader(request), observer);
                    }

                    @Override
                    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
                        replies.reply("Maintenance/Hash", () -> server.maintenance().hash(Callers.current()), observer);
                    }

                    @Override
                    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
                        replies.reply("Maintenance/Alarm", () -> server.maintenance().alarm(request), observer);
                    }

                    @Override
                    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
                        replies.reply("Maintenance/Defragment", () -> server.maintenance().defragment(Callers.current()),
                                observer);
                    }

                    @Override
                    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
                        SnapshotStream.serve(server.maintenance(), (ServerCallStreamObserver<SnapshotResponse>) observer);
                    }
                }, MaintenanceGrpc.getStatusMethod(), MaintenanceGrpc.getHashKVMethod(), MaintenanceGrpc.getMoveLeaderMethod(),
                        MaintenanceGrpc.getSnapshotMethod(), MaintenanceGrpc.getDefragmentMethod(),
                        MaintenanceGrpc.getAlarmMethod(), MaintenanceGrpc.getHashMethod()),
                ClusterGrpc.bindService(new Cluster(server.cluster(), replies)),
                ServerInterceptors.intercept(WatchGrpc.bindService(new WatchCalls(server.watch(), guard)),
                        new RequireLeader()),
                ServerInterceptors.intercept(LeaseGrpc.bindService(new Lease(server.lease(), replies, guard)),
                        new RequireLeader()),
                server.auth() == null ? unsupported(AuthGrpc.getServiceDescriptor())
                        : AuthGrpc.bindService(new AuthCalls(server.auth(), replies)),
                LockGrpc.bindService(new Lock(server.lock(), replies)),
                ElectionGrpc.bindService(new Election(server.election(), replies)));
    }

    /** KV: every method is the server's, and none blocks ({@link #NON_BLOCKING}). */
    private record Kv(KvService server, UnaryReplies replies) implements KVGrpc.AsyncService {
        @Override
        public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
            replies.reply("KV/Range", () -> server.range(Callers.current(), request), observer);
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> observer) {
            replies.reply("KV/Put", () -> server.put(Callers.current(), request), observer);
        }

        @Override
        public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
            replies.reply("KV/DeleteRange", () -> server.deleteRange(Callers.current(), request), observer);
        }

        @Override
        public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
            replies.reply("KV/Txn", () -> server.txn(Callers.current(), request), observer);
        }

        @Override
        public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
            replies.reply("KV/Compact", () -> server.compact(Callers.current(), request), observer);
        }
    }

    /** Lease: every method is the server's; a keep-alive stream is a {@link KeepAliveStream}. */
    private record Lease(LeaseService server, UnaryReplies replies, StreamGuard guard)
            implements LeaseGrpc.AsyncService {
        @Override
        public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
            replies.reply("Lease/LeaseGrant", () -> server.leaseGrant(request), observer);
        }

        @Override
        public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
            replies.reply("Lease/LeaseRevoke", () -> server.leaseRevoke(Callers.current(), request), observer);
        }

        @Override
        public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> observer) {
            return KeepAliveStream.serve(server, observer, replies.executor(), guard);
        }

        @Override
        public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
            replies.reply("Lease/LeaseTimeToLive", () -> server.leaseTimeToLive(Callers.current(), request), observer);
        }

        @Override
        public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
            replies.reply("Lease/LeaseLeases", () -> server.leaseLeases(request), observer);
        }
    }

    /** Lock: the lock service's; a call that waits for its lock ends when the client gives up. */
    private record Lock(LockService server, UnaryReplies replies) implements LockGrpc.AsyncService {
        @Override
        public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
            replies.replyUntilCancelled("Lock/Lock", () -> server.lock(Callers.current(), request), observer);
        }

        @Override
        public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
            replies.reply("Lock/Unlock", () -> server.unlock(Callers.current(), request), observer);
        }
    }

    /**
     * Election: the election service's. A campaign that waits ends when the client gives up; an
     * observation ends when the client cancels it, or completes when the service ends it (etcd
     * closes the stream without an error then).
     */
    private record Election(ElectionService server, UnaryReplies replies) implements ElectionGrpc.AsyncService {
        @Override
        public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
            replies.replyUntilCancelled("Election/Campaign", () -> server.campaign(Callers.current(), request), observer);
        }

        @Override
        public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
            replies.reply("Election/Proclaim", () -> server.proclaim(Callers.current(), request), observer);
        }

        @Override
        public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
            replies.reply("Election/Leader", () -> server.leader(Callers.current(), request), observer);
        }

        @Override
        public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
            LeaderStream.serve(server, request, (ServerCallStreamObserver<LeaderResponse>) observer);
        }

        @Override
        public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
            replies.reply("Election/Resign", () -> server.resign(Callers.current(), request), observer);
        }
    }

    /**
     * Cluster: every method is the server's. As etcd's v3rpc does, the peer URLs of a MemberAdd
     * are checked and normalised ({@link PeerUrls}) before the server sees them; ketcd checks
     * those of a MemberUpdate too, where etcd 3.4 checks them only in etcdctl: its server stores
     * any strings there, and the other members' rafthttp then panics on them.
     */
    private record Cluster(ClusterService server, UnaryReplies replies) implements ClusterGrpc.AsyncService {
        @Override
        public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
            replies.reply("Cluster/MemberAdd", () -> server.memberAdd(Callers.current(), request.toBuilder()
                    .clearPeerURLs().addAllPeerURLs(PeerUrls.normalize(request.getPeerURLsList())).build()),
                    observer);
        }

        @Override
        public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
            replies.reply("Cluster/MemberRemove", () -> server.memberRemove(Callers.current(), request), observer);
        }

        @Override
        public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
            replies.reply("Cluster/MemberUpdate", () -> {
                PeerUrls.check(request.getPeerURLsList());
                return server.memberUpdate(Callers.current(), request);
            }, observer);
        }

        @Override
        public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
            replies.reply("Cluster/MemberList", server::memberList, observer);
        }

        @Override
        public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
            replies.reply("Cluster/MemberPromote", () -> server.memberPromote(Callers.current(), request), observer);
        }
    }

    /** {@code service} with only {@code implemented} served; its other methods are unsupported. */
    static ServerServiceDefinition partly(BindableService service, MethodDescriptor<?, ?>... implemented) {
        ServerServiceDefinition bound = service.bindService();
        Set<String> served = Arrays.stream(implemented)
                .map(MethodDescriptor::getFullMethodName)
                .collect(Collectors.toUnmodifiableSet());
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(bound.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> method : bound.getMethods()) {
            out.addMethod(servedOrUnsupported(method, served));
        }
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> servedOrUnsupported(
            ServerMethodDefinition<Q, R> method, Set<String> served) {
        return served.contains(method.getMethodDescriptor().getFullMethodName())
                ? method : unsupported(method.getMethodDescriptor());
    }

    /** Every method of {@code service} answers UNIMPLEMENTED. */
    static ServerServiceDefinition unsupported(ServiceDescriptor service) {
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            out.addMethod(unsupported(method));
        }
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> unsupported(MethodDescriptor<Q, R> method) {
        Status status = Status.UNIMPLEMENTED.withDescription(notSupportedMessage(method));
        return ServerMethodDefinition.create(method, (call, headers) -> {
            call.close(status, new Metadata());
            return new ServerCall.Listener<>() {
            };
        });
    }

    /** "etcdserver: etcdserverpb.Lease/LeaseGrant is not supported in ketcd yet". */
    static String notSupportedMessage(MethodDescriptor<?, ?> method) {
        return "etcdserver: " + method.getFullMethodName() + " is not supported in ketcd yet";
    }
}
