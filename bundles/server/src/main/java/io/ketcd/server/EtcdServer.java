package io.ketcd.server;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One running etcd member, as the client-facing bundles see it. Requests and responses are
 * etcd's own v3 messages; every response carries a full header (cluster_id, member_id,
 * revision, raft_term).
 *
 * <p>Failures complete the future exceptionally with an {@link io.ketcd.api.EtcdException}
 * carrying etcd's gRPC code and message; a failed request changed nothing. Writes complete only
 * after their log entry is durable (fsynced) and applied. All methods are thread-safe and never
 * block the caller.
 */
@ProviderType
public interface EtcdServer {

    /** Linearizable unless {@code serializable} is set, in which case the local store answers. */
    CompletableFuture<RangeResponse> range(RangeRequest request);

    CompletableFuture<PutResponse> put(PutRequest request);

    CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

    CompletableFuture<TxnResponse> txn(TxnRequest request);

    CompletableFuture<CompactionResponse> compact(CompactionRequest request);

    /**
     * A hash of this member's key-value store up to a revision (etcd's Maintenance.HashKV):
     * members that applied the same log answer the same hash. Served locally.
     */
    CompletableFuture<HashKVResponse> hashKV(HashKVRequest request);

    /** This member's status (etcd's Maintenance.Status). */
    CompletableFuture<StatusResponse> status();

    /** The cluster's members (etcd's Cluster.MemberList). */
    CompletableFuture<MemberListResponse> memberList();

    /**
     * Adds a member (etcd's Cluster.MemberAdd): a voter, or a learner when {@code is_learner}.
     * Completes once the change is committed and applied on this member.
     */
    CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request);

    /** Removes a member (etcd's Cluster.MemberRemove). */
    CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request);

    /** Changes a member's peer URLs (etcd's Cluster.MemberUpdate). */
    CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request);

    /** Promotes a learner that has caught up to a voter (etcd's Cluster.MemberPromote). */
    CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request);

    /** The configuration this member runs with. */
    ServerConfig config();

    long clusterId();

    long memberId();
}
