package io.ketcd.http;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
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
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An {@link EtcdServer} whose status and range answers a test sets; it records the range
 * requests it receives. Writes are not used by the HTTP endpoints and fail.
 */
final class FakeEtcdServer implements EtcdServer {
    static final long MEMBER_ID = 0x94018c83380f970cL;

    final List<RangeRequest> ranges = new CopyOnWriteArrayList<>();
    volatile Supplier<CompletableFuture<StatusResponse>> status = () -> CompletableFuture.completedFuture(
            StatusResponse.newBuilder().setLeader(MEMBER_ID).build());
    volatile Supplier<CompletableFuture<RangeResponse>> range = () -> CompletableFuture.completedFuture(
            RangeResponse.getDefaultInstance());
    private final ServerConfig config;

    FakeEtcdServer(String listenClientHttpUrls) {
        this.config = ServerConfig.from(Map.of("listen-client-http-urls", listenClientHttpUrls), Map.of());
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        ranges.add(request);
        return range.get();
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return status.get();
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public long clusterId() {
        return 1;
    }

    @Override
    public long memberId() {
        return MEMBER_ID;
    }
}
