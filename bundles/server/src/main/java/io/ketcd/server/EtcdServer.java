package io.ketcd.server;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
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

    /** This member's status (etcd's Maintenance.Status). */
    CompletableFuture<StatusResponse> status();

    /** The cluster's members (etcd's Cluster.MemberList). */
    CompletableFuture<MemberListResponse> memberList();

    /** The configuration this member runs with. */
    ServerConfig config();

    long clusterId();

    long memberId();
}
