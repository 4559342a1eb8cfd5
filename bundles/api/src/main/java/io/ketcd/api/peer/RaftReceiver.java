package io.ketcd.api.peer;

import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The local member as its transport sees it (etcd's rafthttp.Raft). Implemented by the
 * server; every method is thread-safe and returns quickly.
 */
@ConsumerType
public interface RaftReceiver {

    /**
     * Delivers a message from a peer to the local raft node.
     *
     * @return false if the member could not take it (stopping, or its inbox is full); the
     *     transport answers such a pipeline POST with 503 and drops a stream message
     */
    boolean process(Message message);

    /**
     * Receives a snapshot: {@code message} is the {@code MsgSnap}, {@code payload} the backend
     * dump that followed it. The receiver stores and verifies the dump, then processes the
     * message. Nothing is applied if the dump is truncated or corrupt.
     *
     * @throws IOException if the dump is truncated or corrupt, or cannot be stored; the
     *     transport answers 400 (corrupt) or 500 (storage) and the sender reports failure
     */
    void receiveSnapshot(Message message, InputStream payload) throws IOException;

    /** Whether {@code memberId} was removed from the cluster (its requests get 410 Gone). */
    boolean isRemoved(long memberId);

    /** Whether {@code memberId} is a current member (unknown senders get 404). */
    boolean isMember(long memberId);

    /** The last message to {@code memberId} could not be delivered. */
    void reportUnreachable(long memberId);

    /** A snapshot send to {@code memberId} finished ({@code failed} or not). */
    void reportSnapshot(long memberId, boolean failed);

    /** The current members, served on the peer {@code /members} endpoint. */
    List<Member> members();

    /**
     * Promotes a learner on behalf of a follower that forwarded etcdctl's request (etcd's peer
     * {@code POST /members/promote/<id>}): only a leader can tell whether the learner has caught
     * up. Completes with the members after the change, or fails with an {@link
     * io.ketcd.api.EtcdException} (member not found, not a learner, learner not ready, not leader).
     */
    CompletableFuture<List<Member>> promoteMember(long memberId);

    /**
     * Renews a lease on behalf of a follower that forwarded a keep-alive (etcd's peer {@code POST
     * /leases}), as the leader: completes with the TTL, or fails with {@code LEASE_NOT_FOUND},
     * {@code TIMEOUT_WAIT_APPLIED_INDEX} (the leader has not applied what it committed), or
     * {@code NOT_LEADER} (this member does not lead, or its lessor is not the primary yet).
     */
    CompletableFuture<Long> renewLease(long leaseId);

    /**
     * A lease's TTLs and keys, for a follower that forwarded a time-to-live (etcd's peer {@code
     * POST /leases/internal}), as the leader; fails as {@link #renewLease} does.
     */
    CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request);

    /** This member's HashKV at {@code request}'s revision, for a peer's corruption check. */
    CompletableFuture<HashKVResponse> hashKV(HashKVRequest request);
}
