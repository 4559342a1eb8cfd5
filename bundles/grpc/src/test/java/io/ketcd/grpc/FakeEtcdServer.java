package io.ketcd.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
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
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.ResponseOp;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.MaintenanceService;
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
import io.ketcd.testing.fakes.FakeLease;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.CampaignResponse;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ProclaimResponse;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3electionpb.ResignResponse;
import io.ketcd.proto.etcdserverpb.MoveLeaderRequest;
import io.ketcd.proto.etcdserverpb.MoveLeaderResponse;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;

/**
 * A hand-written member, every facet the gRPC API serves, for the gRPC layer's tests: an in-memory key space with
 * etcd's revision rules for put and delete, and an in-memory member list with etcd's rules for
 * member changes (without raft: a change applies at once), enough for jetcd and etcdctl to work
 * against. It records every request it receives (Status and MemberList record their method
 * name), and fails every call on demand.
 */
final class FakeEtcdServer implements KvService, ClusterService, MaintenanceService, WatchService, LeaseService,
        LockService, ElectionService {
    static final long CLUSTER_ID = 0x1c2d_3e4f_5a6b_7c8dL;
    static final long MEMBER_ID = 0xbdae_9bbc_11dd_390dL; // above 2^63: etcd ids are uint64
    static final long RAFT_TERM = 7;
    static final String VERSION = "3.4.23";
    static final long DB_SIZE = 24_576;

    /** The ids {@link #memberAdd} hands out, in order: this one, then the next ones. */
    static final long ADDED_IDS = 0x6076_c3f3_e76e_2044L;
    static final Member SELF = Member.newBuilder()
            .setID(MEMBER_ID)
            .setName("fake")
            .addPeerURLs("http://127.0.0.1:2380")
            .addClientURLs("http://127.0.0.1:2379")
            .build();

    private final GrpcSettings settings;
    /** The Lease facet, scripted per test. */
    final FakeLease lease = new FakeLease();
    /** The cluster's members by id, in etcd's order (ids as unsigned). */
    private final NavigableMap<Long, Member> members = new TreeMap<>(Long::compareUnsigned);
    private long added;
    private final NavigableMap<ByteString, KeyValue> store = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private long revision = 1;

    /** Every request received, in order. */
    final BlockingQueue<Object> requests = new LinkedBlockingQueue<>();

    private volatile CompletableFuture<? extends Message> held;
    private volatile Throwable failure;
    private volatile RuntimeException thrown;

    FakeEtcdServer(Map<String, String> config) {
        this.settings = GrpcSettings.from(config, Map.of());
        resetMembers();
    }

    /** Every following call completes exceptionally with {@code t}; null restores normal service. */
    void failWith(Throwable t) {
        failure = t;
    }

    /** Every following call returns {@code future}, for the test to complete; null restores. */
    void hold(CompletableFuture<? extends Message> future) {
        held = future;
    }

    /** Every following call throws {@code e} instead of returning a future; null restores. */
    void throwWith(RuntimeException e) {
        thrown = e;
    }

    /** The leader and learner flag {@link #status} reports. */
    volatile long leader = MEMBER_ID;
    volatile boolean learner;

    /** Opens watch sessions; a test replaces it to script a stream. By default: see {@link ScriptedWatch}. */
    volatile java.util.function.Function<WatchClient, WatchSession> watch = ScriptedWatch::new;

    @Override
    public WatchSession open(io.ketcd.api.service.Caller caller, WatchClient client) {
        return watch.apply(client);
    }

    /** The gRPC settings from the configuration this fake was made with. */
    GrpcSettings settings() {
        return settings;
    }

    @Override
    public CompletableFuture<RangeResponse> range(io.ketcd.api.service.Caller caller, RangeRequest request) {
        return answer(request, () -> {
            List<KeyValue> kvs = List.copyOf(select(request.getKey(), request.getRangeEnd()).values());
            return RangeResponse.newBuilder().setHeader(header()).addAllKvs(kvs).setCount(kvs.size()).build();
        });
    }

    @Override
    public CompletableFuture<PutResponse> put(io.ketcd.api.service.Caller caller, PutRequest request) {
        return answer(request, () -> {
            if (request.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
            revision++;
            KeyValue prev = doPut(request);
            PutResponse.Builder out = PutResponse.newBuilder().setHeader(header());
            if (request.getPrevKv() && prev != null) {
                out.setPrevKv(prev);
            }
            return out.build();
        });
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(io.ketcd.api.service.Caller caller, DeleteRangeRequest request) {
        return answer(request, () -> {
            NavigableMap<ByteString, KeyValue> hit = select(request.getKey(), request.getRangeEnd());
            List<KeyValue> deleted = List.copyOf(hit.values());
            if (!deleted.isEmpty()) {
                revision++;
                hit.clear();
            }
            DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder().setHeader(header())
                    .setDeleted(deleted.size());
            if (request.getPrevKv()) {
                out.addAllPrevKvs(deleted);
            }
            return out.build();
        });
    }

    /** Compares on VALUE with EQUAL or NOT_EQUAL; puts and ranges as operations. */
    @Override
    public CompletableFuture<TxnResponse> txn(io.ketcd.api.service.Caller caller, TxnRequest request) {
        return answer(request, () -> {
            boolean succeeded = request.getCompareList().stream().allMatch(this::holds);
            List<RequestOp> ops = succeeded ? request.getSuccessList() : request.getFailureList();
            if (ops.stream().anyMatch(RequestOp::hasRequestPut)) {
                revision++;
            }
            TxnResponse.Builder out = TxnResponse.newBuilder().setSucceeded(succeeded);
            for (RequestOp op : ops) {
                if (op.hasRequestPut()) {
                    doPut(op.getRequestPut());
                    out.addResponses(ResponseOp.newBuilder().setResponsePut(
                            PutResponse.newBuilder().setHeader(header())));
                } else if (op.hasRequestRange()) {
                    RangeRequest r = op.getRequestRange();
                    List<KeyValue> kvs = List.copyOf(select(r.getKey(), r.getRangeEnd()).values());
                    out.addResponses(ResponseOp.newBuilder().setResponseRange(
                            RangeResponse.newBuilder().setHeader(header()).addAllKvs(kvs).setCount(kvs.size())));
                } else {
                    throw new UnsupportedOperationException("fake txn supports put and range only");
                }
            }
            return out.setHeader(header()).build();
        });
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(io.ketcd.api.service.Caller caller, CompactionRequest request) {
        return answer(request, () -> {
            if (request.getRevision() > revision) {
                throw EtcdError.FUTURE_REV.exception();
            }
            return CompactionResponse.newBuilder().setHeader(header()).build();
        });
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return answer("status", () -> StatusResponse.newBuilder()
                .setHeader(header())
                .setVersion(VERSION)
                .setDbSize(DB_SIZE)
                .setLeader(leader)
                .setIsLearner(learner)
                .setRaftIndex(revision + 3)
                .setRaftTerm(RAFT_TERM)
                .setRaftAppliedIndex(revision + 3)
                .setDbSizeInUse(DB_SIZE / 2)
                .build());
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(io.ketcd.api.service.Caller caller, HashKVRequest request) {
        return answer(request, () -> HashKVResponse.newBuilder().setHeader(header()).setHash(store.hashCode()).build());
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        return answer("memberList", () -> MemberListResponse.newBuilder()
                .setHeader(header())
                .addAllMembers(members.values())
                .build());
    }

    /**
     * Adds a member with the next id of {@link #ADDED_IDS}, no name and no client URLs, as etcd
     * does until the new member starts; its response member carries only id, peer URLs and the
     * learner flag, as etcd's does.
     */
    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(io.ketcd.api.service.Caller caller, MemberAddRequest request) {
        return answer(request, () -> {
            refuseUsedPeerUrls(request.getPeerURLsList(), 0);
            if (request.getIsLearner() && members.values().stream().filter(Member::getIsLearner).count() >= 1) {
                throw EtcdError.TOO_MANY_LEARNERS.exception(); // etcd 3.4's default --max-learners
            }
            Member member = Member.newBuilder()
                    .setID(ADDED_IDS + added++)
                    .addAllPeerURLs(request.getPeerURLsList())
                    .setIsLearner(request.getIsLearner())
                    .build();
            members.put(member.getID(), member);
            return MemberAddResponse.newBuilder().setHeader(header()).setMember(member)
                    .addAllMembers(members.values()).build();
        });
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(io.ketcd.api.service.Caller caller, MemberRemoveRequest request) {
        return answer(request, () -> {
            member(request.getID());
            members.remove(request.getID());
            return MemberRemoveResponse.newBuilder().setHeader(header()).addAllMembers(members.values()).build();
        });
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(io.ketcd.api.service.Caller caller, MemberUpdateRequest request) {
        return answer(request, () -> {
            Member old = member(request.getID());
            refuseUsedPeerUrls(request.getPeerURLsList(), request.getID());
            members.put(old.getID(), old.toBuilder().clearPeerURLs().addAllPeerURLs(request.getPeerURLsList()).build());
            return MemberUpdateResponse.newBuilder().setHeader(header()).addAllMembers(members.values()).build();
        });
    }

    /** Every learner counts as in sync with the leader. */
    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(io.ketcd.api.service.Caller caller, MemberPromoteRequest request) {
        return answer(request, () -> {
            Member learner = member(request.getID());
            if (!learner.getIsLearner()) {
                throw EtcdError.MEMBER_NOT_LEARNER.exception();
            }
            members.put(learner.getID(), learner.toBuilder().setIsLearner(false).build());
            return MemberPromoteResponse.newBuilder().setHeader(header()).addAllMembers(members.values()).build();
        });
    }

    /** Back to the one member this fake starts with. */
    synchronized void resetMembers() {
        members.clear();
        members.put(MEMBER_ID, SELF);
        added = 0;
    }

    private Member member(long id) {
        Member m = members.get(id);
        if (m == null) {
            throw EtcdError.MEMBER_NOT_FOUND.exception();
        }
        return m;
    }

    /** etcd's ValidateConfigurationChange: no peer URL may be another member's. */
    private void refuseUsedPeerUrls(List<String> urls, long except) {
        for (Member m : members.values()) {
            if (m.getID() != except && m.getPeerURLsList().stream().anyMatch(urls::contains)) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
        }
    }

    private synchronized <T extends Message> CompletableFuture<T> answer(Object request, Supplier<T> body) {
        requests.add(request);
        if (thrown != null) {
            throw thrown;
        }
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        if (held != null) {
            @SuppressWarnings("unchecked") // the test holds a future of the method's response type
            CompletableFuture<T> future = (CompletableFuture<T>) held;
            return future;
        }
        try {
            return CompletableFuture.completedFuture(body.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ResponseHeader header() {
        return ResponseHeader.newBuilder()
                .setClusterId(CLUSTER_ID)
                .setMemberId(MEMBER_ID)
                .setRevision(revision)
                .setRaftTerm(RAFT_TERM)
                .build();
    }

    private KeyValue doPut(PutRequest request) {
        KeyValue prev = store.get(request.getKey());
        store.put(request.getKey(), KeyValue.newBuilder()
                .setKey(request.getKey())
                .setValue(request.getValue())
                .setCreateRevision(prev == null ? revision : prev.getCreateRevision())
                .setModRevision(revision)
                .setVersion(prev == null ? 1 : prev.getVersion() + 1)
                .build());
        return prev;
    }

    /** etcd's range: one key when rangeEnd is empty, [key, rangeEnd) otherwise, "\0" = no end. */
    private NavigableMap<ByteString, KeyValue> select(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return store.subMap(key, true, key, true);
        }
        if (rangeEnd.equals(ByteString.copyFrom(new byte[] {0}))) {
            return store.tailMap(key, true);
        }
        return store.subMap(key, true, rangeEnd, false);
    }

    private boolean holds(Compare c) {
        if (c.getTarget() != Compare.CompareTarget.VALUE) {
            throw new UnsupportedOperationException("fake txn compares values only");
        }
        KeyValue kv = store.get(c.getKey());
        boolean equal = kv != null && kv.getValue().equals(c.getValue());
        return switch (c.getResult()) {
            case EQUAL -> equal;
            case NOT_EQUAL -> !equal;
            default -> throw new UnsupportedOperationException("fake txn compares EQUAL and NOT_EQUAL only");
        };
    }

    @Override
    public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        return lease.leaseGrant(request);
    }

    @Override
    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(io.ketcd.api.service.Caller caller, LeaseRevokeRequest request) {
        return lease.leaseRevoke(request);
    }

    @Override
    public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
        return lease.leaseKeepAlive(request);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(io.ketcd.api.service.Caller caller, LeaseTimeToLiveRequest request) {
        return lease.leaseTimeToLive(request);
    }

    @Override
    public CompletableFuture<LeaseLeasesResponse> leaseLeases(LeaseLeasesRequest request) {
        return lease.leaseLeases(request);
    }

    /** The backup {@link #snapshot} streams: {@code snapshotBytes} bytes of a counting pattern. */
    volatile int snapshotBytes = 100_000;

    @Override
    public io.ketcd.api.service.BackendCopy snapshot(io.ketcd.api.service.Caller caller) {
        requests.add("Snapshot");
        int size = snapshotBytes;
        return new io.ketcd.api.service.BackendCopy() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws java.io.IOException {
                for (int i = 0; i < size; i++) {
                    out.write(i % 251);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public CompletableFuture<io.ketcd.proto.etcdserverpb.HashResponse> hash(io.ketcd.api.service.Caller caller) {
        return answer("Hash", () -> io.ketcd.proto.etcdserverpb.HashResponse.newBuilder().setHeader(header()).setHash(7).build());
    }

    @Override
    public CompletableFuture<io.ketcd.proto.etcdserverpb.AlarmResponse> alarm(io.ketcd.proto.etcdserverpb.AlarmRequest request) {
        return answer(request, () -> io.ketcd.proto.etcdserverpb.AlarmResponse.newBuilder().setHeader(header()).build());
    }

    @Override
    public CompletableFuture<io.ketcd.proto.etcdserverpb.DefragmentResponse> defragment(io.ketcd.api.service.Caller caller) {
        return answer("Defragment", io.ketcd.proto.etcdserverpb.DefragmentResponse::getDefaultInstance);
    }

    @Override
    public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
        return answer(request, MoveLeaderResponse::getDefaultInstance);
    }

    // --- Lock and Election: recorded, answered with the request's name as the key --------------

    @Override
    public CompletableFuture<LockResponse> lock(io.ketcd.api.service.Caller caller, LockRequest request) {
        return answer(request, () -> LockResponse.newBuilder().setHeader(header()).setKey(request.getName()).build());
    }

    @Override
    public CompletableFuture<UnlockResponse> unlock(io.ketcd.api.service.Caller caller, UnlockRequest request) {
        return answer(request, () -> UnlockResponse.newBuilder().setHeader(header()).build());
    }

    @Override
    public CompletableFuture<CampaignResponse> campaign(io.ketcd.api.service.Caller caller, CampaignRequest request) {
        return answer(request, () -> CampaignResponse.newBuilder().setHeader(header()).build());
    }

    @Override
    public CompletableFuture<ProclaimResponse> proclaim(io.ketcd.api.service.Caller caller, ProclaimRequest request) {
        return answer(request, () -> ProclaimResponse.newBuilder().setHeader(header()).build());
    }

    @Override
    public CompletableFuture<LeaderResponse> leader(io.ketcd.api.service.Caller caller, LeaderRequest request) {
        return answer(request, () -> LeaderResponse.newBuilder().setHeader(header()).build());
    }

    /** The observers of {@link #observe}, for the test to call; each closed observation is counted. */
    final BlockingQueue<LeaderObserver> observers = new LinkedBlockingQueue<>();
    final java.util.concurrent.atomic.AtomicInteger closedObservations = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public AutoCloseable observe(io.ketcd.api.service.Caller caller, LeaderRequest request, LeaderObserver observer) {
        requests.add(request);
        observers.add(observer);
        return closedObservations::incrementAndGet;
    }

    @Override
    public CompletableFuture<ResignResponse> resign(io.ketcd.api.service.Caller caller, ResignRequest request) {
        return answer(request, () -> ResignResponse.newBuilder().setHeader(header()).build());
    }
}
