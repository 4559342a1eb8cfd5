package io.ketcd.shell.internal;

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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link EtcdServer} that answers each call with the future a test put in the matching field
 * and records every request, so a test checks both what a command sent and what it printed.
 */
final class FakeEtcdServer implements EtcdServer {
    final List<Object> requests = new ArrayList<>();
    CompletableFuture<PutResponse> put = CompletableFuture.completedFuture(PutResponse.getDefaultInstance());
    CompletableFuture<RangeResponse> range = CompletableFuture.completedFuture(RangeResponse.getDefaultInstance());
    CompletableFuture<DeleteRangeResponse> deleteRange = CompletableFuture.completedFuture(DeleteRangeResponse.getDefaultInstance());
    CompletableFuture<StatusResponse> status = CompletableFuture.completedFuture(StatusResponse.getDefaultInstance());
    private final ServerConfig config = ServerConfig.from(
            Map.of("advertise-client-urls", "http://127.0.0.1:2379,http://10.0.0.1:2379"), Map.of());

    /** The one request the command sent. */
    <T> T only(Class<T> type) {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests);
        }
        return type.cast(requests.get(0));
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        requests.add(request);
        return range;
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        requests.add(request);
        return put;
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        requests.add(request);
        return deleteRange;
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        requests.add("status");
        return status;
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
        return 0x94018c83380f970cL;
    }
}
