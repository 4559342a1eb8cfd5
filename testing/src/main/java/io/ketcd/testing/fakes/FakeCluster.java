package io.ketcd.testing.fakes;

import io.ketcd.api.service.ClusterService;
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

import java.util.concurrent.CompletableFuture;

/**
 * A {@link ClusterService} that records every request and answers each method as the test
 * scripted it; unscripted, a method answers its response's empty message.
 */
public final class FakeCluster implements ClusterService {
    public final RecordedRequests requests = new RecordedRequests();
    public volatile Answer<MemberListRequest, MemberListResponse> memberList =
            Answer.with(MemberListResponse.getDefaultInstance());
    public volatile Answer<MemberAddRequest, MemberAddResponse> memberAdd =
            Answer.with(MemberAddResponse.getDefaultInstance());
    public volatile Answer<MemberRemoveRequest, MemberRemoveResponse> memberRemove =
            Answer.with(MemberRemoveResponse.getDefaultInstance());
    public volatile Answer<MemberUpdateRequest, MemberUpdateResponse> memberUpdate =
            Answer.with(MemberUpdateResponse.getDefaultInstance());
    public volatile Answer<MemberPromoteRequest, MemberPromoteResponse> memberPromote =
            Answer.with(MemberPromoteResponse.getDefaultInstance());

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        MemberListRequest request = MemberListRequest.getDefaultInstance();
        requests.add(request);
        return memberList.apply(request);
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(io.ketcd.api.service.Caller caller, MemberAddRequest request) {
        requests.add(request);
        return memberAdd.apply(request);
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(io.ketcd.api.service.Caller caller, MemberRemoveRequest request) {
        requests.add(request);
        return memberRemove.apply(request);
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(io.ketcd.api.service.Caller caller, MemberUpdateRequest request) {
        requests.add(request);
        return memberUpdate.apply(request);
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(io.ketcd.api.service.Caller caller, MemberPromoteRequest request) {
        requests.add(request);
        return memberPromote.apply(request);
    }
}
