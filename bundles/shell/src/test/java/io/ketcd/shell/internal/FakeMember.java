package io.ketcd.shell.internal;

import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.MaintenanceService;
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
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The facets {@code etcd:status} reads: the status a test sets, and a member list in which the
 * member {@link #ID} advertises two client URLs. Records the calls it answers.
 */
final class FakeMember implements MaintenanceService, ClusterService {
    static final long ID = 0x94018c83380f970cL;

    final List<Object> requests = new ArrayList<>();
    CompletableFuture<StatusResponse> status = CompletableFuture.completedFuture(StatusResponse.getDefaultInstance());
    MemberListResponse members = MemberListResponse.newBuilder()
            .addMembers(Member.newBuilder().setID(0x1234).addClientURLs("http://10.0.0.9:2379"))
            .addMembers(Member.newBuilder().setID(ID).addClientURLs("http://127.0.0.1:2379").addClientURLs("http://10.0.0.1:2379"))
            .build();

    @Override
    public CompletableFuture<StatusResponse> status() {
        requests.add("status");
        return status;
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        requests.add("memberList");
        return CompletableFuture.completedFuture(members);
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        throw new AssertionError("not used by etcd:status");
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        throw new AssertionError("not used by etcd:status");
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        throw new AssertionError("not used by etcd:status");
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        throw new AssertionError("not used by etcd:status");
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        throw new AssertionError("not used by etcd:status");
    }
}
