package io.ketcd.api.service;

import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/** etcd's {@code etcdserverpb.Cluster} service. */
@ProviderType
public interface ClusterService {

    /** The cluster's members as this member has applied them. */
    CompletableFuture<MemberListResponse> memberList();

    /**
     * Adds a member: a voter, or a learner when {@code is_learner}. Completes once the change is
     * committed and applied on this member.
     */
    CompletableFuture<MemberAddResponse> memberAdd(Caller caller, MemberAddRequest request);

    CompletableFuture<MemberRemoveResponse> memberRemove(Caller caller, MemberRemoveRequest request);

    /** Changes a member's peer URLs. */
    CompletableFuture<MemberUpdateResponse> memberUpdate(Caller caller, MemberUpdateRequest request);

    /** Promotes a learner that has caught up to a voter. */
    CompletableFuture<MemberPromoteResponse> memberPromote(Caller caller, MemberPromoteRequest request);

    /** {@link #memberAdd(Caller, MemberAddRequest)} for a caller inside the node. */
    default CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        return memberAdd(Caller.INTERNAL, request);
    }

    /** {@link #memberRemove(Caller, MemberRemoveRequest)} for a caller inside the node. */
    default CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        return memberRemove(Caller.INTERNAL, request);
    }

    /** {@link #memberUpdate(Caller, MemberUpdateRequest)} for a caller inside the node. */
    default CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        return memberUpdate(Caller.INTERNAL, request);
    }

    /** {@link #memberPromote(Caller, MemberPromoteRequest)} for a caller inside the node. */
    default CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        return memberPromote(Caller.INTERNAL, request);
    }
}
