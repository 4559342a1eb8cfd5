package io.ketcd.api.service;

import io.ketcd.proto.etcdserverpb.AlarmRequest;
import io.ketcd.proto.etcdserverpb.AlarmResponse;
import io.ketcd.proto.etcdserverpb.DefragmentResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashResponse;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.MoveLeaderRequest;
import io.ketcd.proto.etcdserverpb.MoveLeaderResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/** etcd's {@code etcdserverpb.Maintenance} service. */
@ProviderType
public interface MaintenanceService {

    /** This member's status. */
    CompletableFuture<StatusResponse> status();

    /**
     * A hash of this member's key-value store up to a revision: members that applied the same
     * log answer the same hash. Served locally.
     */
    CompletableFuture<HashKVResponse> hashKV(Caller caller, HashKVRequest request);

    /**
     * Hands this member's leadership to {@code target_id} and completes once this member sees it
     * lead, with an empty response as etcd gives. Fails with {@code NOT_LEADER} on a member that
     * does not lead, {@code BAD_LEADER_TRANSFEREE} for an id that is no voting member, and
     * {@code TIMEOUT_LEADER_TRANSFER} when the transfer does not happen within the request
     * timeout. Moving to the leader itself succeeds at once.
     */
    CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request);

    /**
     * A copy of this member's backend as it is now (etcd's Snapshot). Taking it waits only for a
     * write in progress; the caller streams it and closes it.
     *
     * @throws io.ketcd.api.EtcdException {@code STOPPED} when the member is not running
     */
    BackendCopy snapshot(Caller caller);

    /**
     * Rewrites this member's backend file so that it holds little more than its live data
     * (etcd's Defragment); completes with an empty response, as etcd's. Writes wait while it runs.
     */
    CompletableFuture<DefragmentResponse> defragment(Caller caller);

    /**
     * etcd's Alarm: lists (GET), raises (ACTIVATE) or clears (DEACTIVATE) alarms, each through
     * the log, so every member agrees. While a NOSPACE alarm is raised, puts, txns with puts and
     * lease grants fail with {@code NO_SPACE}; reads, deletes and compaction work.
     */
    CompletableFuture<AlarmResponse> alarm(AlarmRequest request);

    /**
     * etcd's Hash, "for testing only": a hash of this member's whole backend as it is now, and
     * the revision; members that applied the same log give the same hash.
     */
    CompletableFuture<HashResponse> hash(Caller caller);

    /** {@link #hashKV(Caller, HashKVRequest)} for a caller inside the node. */
    default CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        return hashKV(Caller.INTERNAL, request);
    }

    /** {@link #snapshot(Caller)} for a caller inside the node. */
    default BackendCopy snapshot() {
        return snapshot(Caller.INTERNAL);
    }

    /** {@link #defragment(Caller)} for a caller inside the node. */
    default CompletableFuture<DefragmentResponse> defragment() {
        return defragment(Caller.INTERNAL);
    }

    /** {@link #hash(Caller)} for a caller inside the node. */
    default CompletableFuture<HashResponse> hash() {
        return hash(Caller.INTERNAL);
    }
}
