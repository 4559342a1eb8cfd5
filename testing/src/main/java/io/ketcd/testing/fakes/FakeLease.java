package io.ketcd.testing.fakes;

import io.ketcd.api.service.LeaseService;
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

import java.util.concurrent.CompletableFuture;

/**
 * A {@link LeaseService} that records every request and answers each method as the test
 * scripted it; unscripted, a method answers its response's empty message, except a keep-alive,
 * which renews any lease to a TTL of 60 s.
 */
public final class FakeLease implements LeaseService {
    public final RecordedRequests requests = new RecordedRequests();
    public volatile Answer<LeaseGrantRequest, LeaseGrantResponse> grant = Answer.with(LeaseGrantResponse.getDefaultInstance());
    public volatile Answer<LeaseRevokeRequest, LeaseRevokeResponse> revoke = Answer.with(LeaseRevokeResponse.getDefaultInstance());
    public volatile Answer<LeaseKeepAliveRequest, LeaseKeepAliveResponse> keepAlive = request ->
            CompletableFuture.completedFuture(LeaseKeepAliveResponse.newBuilder().setID(request.getID()).setTTL(60).build());
    public volatile Answer<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> timeToLive =
            Answer.with(LeaseTimeToLiveResponse.getDefaultInstance());
    public volatile Answer<LeaseLeasesRequest, LeaseLeasesResponse> leases = Answer.with(LeaseLeasesResponse.getDefaultInstance());

    @Override
    public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        requests.add(request);
        return grant.apply(request);
    }

    @Override
    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(io.ketcd.api.service.Caller caller, LeaseRevokeRequest request) {
        requests.add(request);
        return revoke.apply(request);
    }

    @Override
    public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
        requests.add(request);
        return keepAlive.apply(request);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(io.ketcd.api.service.Caller caller, LeaseTimeToLiveRequest request) {
        requests.add(request);
        return timeToLive.apply(request);
    }

    @Override
    public CompletableFuture<LeaseLeasesResponse> leaseLeases(LeaseLeasesRequest request) {
        requests.add(request);
        return leases.apply(request);
    }
}
