package io.ketcd.testing.fakes;

import io.ketcd.api.service.BackendCopy;
import io.ketcd.api.service.MaintenanceService;
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
import io.ketcd.proto.etcdserverpb.StatusRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link MaintenanceService} that records every request and answers each method as the test
 * scripted it; unscripted, a method answers its response's empty message.
 */
public final class FakeMaintenance implements MaintenanceService {
    public final RecordedRequests requests = new RecordedRequests();
    public volatile Answer<StatusRequest, StatusResponse> status = Answer.with(StatusResponse.getDefaultInstance());
    public volatile Answer<HashKVRequest, HashKVResponse> hashKV = Answer.with(HashKVResponse.getDefaultInstance());
    public volatile Answer<HashRequest, HashResponse> hash = Answer.with(HashResponse.getDefaultInstance());
    public volatile Answer<AlarmRequest, AlarmResponse> alarm = Answer.with(AlarmResponse.getDefaultInstance());
    public volatile Answer<DefragmentRequest, DefragmentResponse> defragment =
            Answer.with(DefragmentResponse.getDefaultInstance());
    public volatile Answer<MoveLeaderRequest, MoveLeaderResponse> moveLeader =
            Answer.with(MoveLeaderResponse.getDefaultInstance());

    @Override
    public CompletableFuture<StatusResponse> status() {
        StatusRequest request = StatusRequest.getDefaultInstance();
        requests.add(request);
        return status.apply(request);
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(io.ketcd.api.service.Caller caller, HashKVRequest request) {
        requests.add(request);
        return hashKV.apply(request);
    }

    @Override
    public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
        requests.add(request);
        return moveLeader.apply(request);
    }

    /** Snapshots are not scripted: a test that needs one uses a real member. */
    @Override
    public BackendCopy snapshot(io.ketcd.api.service.Caller caller) {
        throw new UnsupportedOperationException("FakeMaintenance takes no snapshots");
    }

    @Override
    public CompletableFuture<DefragmentResponse> defragment(io.ketcd.api.service.Caller caller) {
        DefragmentRequest request = DefragmentRequest.getDefaultInstance();
        requests.add(request);
        return defragment.apply(request);
    }

    @Override
    public CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
        requests.add(request);
        return alarm.apply(request);
    }

    @Override
    public CompletableFuture<HashResponse> hash(io.ketcd.api.service.Caller caller) {
        HashRequest request = HashRequest.getDefaultInstance();
        requests.add(request);
        return hash.apply(request);
    }
}
