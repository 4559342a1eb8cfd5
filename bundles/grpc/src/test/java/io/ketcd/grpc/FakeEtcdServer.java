package io.ketcd.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
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
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * A hand-written {@link EtcdServer} for the gRPC layer's tests: a single-member, in-memory key
 * space with etcd's revision rules for put and delete, enough for jetcd and etcdctl to work
 * against. It records every request it receives, and fails every call on demand.
 */
final class FakeEtcdServer implements EtcdServer {
    static final long CLUSTER_ID = 0x1c2d_3e4f_5a6b_7c8dL;
    static final long MEMBER_ID = 0xbdae_9bbc_11dd_390dL; // above 2^63: etcd ids are uint64
    static final long RAFT_TERM = 7;
    static final String VERSION = "3.4.23";
    static final long DB_SIZE = 24_576;

    private final ServerConfig config;
    private final NavigableMap<ByteString, KeyValue> store = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private long revision = 1;

    /** Every request received, in order (Status and MemberList record their method name). */
    final BlockingQueue<Object> requests = new LinkedBlockingQueue<>();

    private volatile CompletableFuture<? extends Message> held;
    private volatile Throwable failure;
    private volatile RuntimeException thrown;

    FakeEtcdServer(Map<String, String> config) {
        this.config = ServerConfig.from(config, Map.of());
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

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public long clusterId() {
        return CLUSTER_ID;
    }

    @Override
    public long memberId() {
        return MEMBER_ID;
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return answer(request, () -> {
            List<KeyValue> kvs = List.copyOf(select(request.getKey(), request.getRangeEnd()).values());
            return RangeResponse.newBuilder().setHeader(header()).addAllKvs(kvs).setCount(kvs.size()).build();
        });
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
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
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
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
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
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
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
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
                .setLeader(MEMBER_ID)
                .setRaftIndex(revision + 3)
                .setRaftTerm(RAFT_TERM)
                .setRaftAppliedIndex(revision + 3)
                .setDbSizeInUse(DB_SIZE / 2)
                .build());
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        return answer("memberList", () -> MemberListResponse.newBuilder()
                .setHeader(header())
                .addMembers(Member.newBuilder()
                        .setID(MEMBER_ID)
                        .setName("fake")
                        .addPeerURLs("http://127.0.0.1:2380")
                        .addClientURLs("http://127.0.0.1:2379"))
                .build());
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
}
