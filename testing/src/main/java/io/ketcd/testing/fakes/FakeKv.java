package io.ketcd.testing.fakes;

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

import java.util.concurrent.CompletableFuture;

/**
 * A {@link KvService} that records every request and answers each method as the test scripted
 * it; unscripted, a method answers its response's empty message.
 */
public final class FakeKv implements KvService {
    public final RecordedRequests requests = new RecordedRequests();
    public volatile Answer<RangeRequest, RangeResponse> range = Answer.with(RangeResponse.getDefaultInstance());
    public volatile Answer<PutRequest, PutResponse> put = Answer.with(PutResponse.getDefaultInstance());
    public volatile Answer<DeleteRangeRequest, DeleteRangeResponse> deleteRange =
            Answer.with(DeleteRangeResponse.getDefaultInstance());
    public volatile Answer<TxnRequest, TxnResponse> txn = Answer.with(TxnResponse.getDefaultInstance());
    public volatile Answer<CompactionRequest, CompactionResponse> compact =
            Answer.with(CompactionResponse.getDefaultInstance());

    @Override
    public CompletableFuture<RangeResponse> range(io.ketcd.api.service.Caller caller, RangeRequest request) {
        requests.add(request);
        return range.apply(request);
    }

    @Override
    public CompletableFuture<PutResponse> put(io.ketcd.api.service.Caller caller, PutRequest request) {
        requests.add(request);
        return put.apply(request);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(io.ketcd.api.service.Caller caller, DeleteRangeRequest request) {
        requests.add(request);
        return deleteRange.apply(request);
    }

    @Override
    public CompletableFuture<TxnResponse> txn(io.ketcd.api.service.Caller caller, TxnRequest request) {
        requests.add(request);
        return txn.apply(request);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(io.ketcd.api.service.Caller caller, CompactionRequest request) {
        requests.add(request);
        return compact.apply(request);
    }
}
