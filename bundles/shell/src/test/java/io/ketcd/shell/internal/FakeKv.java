package io.ketcd.shell.internal;

import io.ketcd.api.service.KvService;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link KvService} that answers each call with the future a test put in the matching field
 * and records every request, so a test checks both what a command sent and what it printed.
 */
final class FakeKv implements KvService {
    final List<Object> requests = new ArrayList<>();
    CompletableFuture<PutResponse> put = CompletableFuture.completedFuture(PutResponse.getDefaultInstance());
    CompletableFuture<RangeResponse> range = CompletableFuture.completedFuture(RangeResponse.getDefaultInstance());
    CompletableFuture<DeleteRangeResponse> deleteRange = CompletableFuture.completedFuture(DeleteRangeResponse.getDefaultInstance());

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
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        throw new AssertionError("no shell command sends a txn yet");
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        throw new AssertionError("no shell command compacts yet");
    }
}
