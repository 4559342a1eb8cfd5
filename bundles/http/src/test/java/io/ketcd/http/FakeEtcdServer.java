package io.ketcd.http;

import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The two facets the HTTP endpoints use, with the status and range answers a test sets; it
 * records the range requests it receives. The rest is not used by the endpoints and fails.
 */
final class FakeEtcdServer implements MaintenanceService, KvService {
    static final long MEMBER_ID = 0x94018c83380f970cL;

    final List<RangeRequest> ranges = new CopyOnWriteArrayList<>();
    volatile Supplier<CompletableFuture<StatusResponse>> status = () -> CompletableFuture.completedFuture(
            StatusResponse.newBuilder().setLeader(MEMBER_ID).build());
    volatile Supplier<CompletableFuture<RangeResponse>> range = () -> CompletableFuture.completedFuture(
            RangeResponse.getDefaultInstance());

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
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        return unused();
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return unused();
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return unused();
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return unused();
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return unused();
    }

    private static <T> CompletableFuture<T> unused() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("not used by the HTTP endpoints"));
    }
}
