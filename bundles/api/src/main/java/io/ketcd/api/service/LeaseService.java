package io.ketcd.api.service;

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

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code etcdserverpb.Lease} service. Grants and revokes go through the log; keep-alives
 * and time-to-live questions are answered by the leader (a follower forwards them), without a
 * log entry, as etcd does.
 */
@ProviderType
public interface LeaseService {

    /**
     * Grants a lease of {@code TTL} seconds under {@code ID}, or under an id the member chooses
     * when {@code ID} is 0. A TTL below the cluster's minimum is raised to it; the response has
     * the TTL granted.
     *
     * <p>Fails with {@code LEASE_EXIST} for an id in use, {@code LEASE_TTL_TOO_LARGE} beyond etcd's
     * maximum of 9,000,000,000 s.
     */
    CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request);

    /**
     * Revokes a lease: every key attached to it is deleted, all in one revision. Fails with
     * {@code LEASE_NOT_FOUND} for an unknown lease.
     */
    CompletableFuture<LeaseRevokeResponse> leaseRevoke(Caller caller, LeaseRevokeRequest request);

    /** {@link #leaseRevoke(Caller, LeaseRevokeRequest)} for a caller inside the node. */
    default CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
        return leaseRevoke(Caller.INTERNAL, request);
    }

    /**
     * One keep-alive of a lease's keep-alive stream: renews the lease to its full TTL. As etcd's
     * gRPC layer answers it, an unknown or expired lease gets a response with TTL 0 (not an
     * error); errors ({@code NO_LEADER}, {@code TIMEOUT}, ...) end the client's stream. Never
     * blocks: the gRPC server calls it on a transport thread.
     */
    CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request);

    /**
     * A lease's remaining and granted TTL, and its keys when {@code keys} is set; an unknown
     * lease gets TTL -1 (not an error), as etcd's gRPC layer answers.
     */
    CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(Caller caller, LeaseTimeToLiveRequest request);

    /** {@link #leaseTimeToLive(Caller, LeaseTimeToLiveRequest)} for a caller inside the node. */
    default CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
        return leaseTimeToLive(Caller.INTERNAL, request);
    }

    /** Every lease this member knows. */
    CompletableFuture<LeaseLeasesResponse> leaseLeases(LeaseLeasesRequest request);
}
