package io.ketcd.api.peer;

import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends raft messages to the other members and serves their requests (etcd's rafthttp
 * Transport). Thread-safe; no method blocks on the network.
 */
@ProviderType
public interface PeerTransport extends AutoCloseable {

    /**
     * Queues messages for their recipients ({@link Message#getTo()}). A message to an unknown
     * member is dropped. When a peer's queue is full the message is dropped and, as in etcd,
     * {@link RaftReceiver#reportUnreachable} is called (a dropped snapshot also gets
     * {@link RaftReceiver#reportSnapshot} with failure). Never blocks.
     *
     * <p>Messages of type {@code MsgSnap} must go through {@link #sendSnapshot} instead.
     */
    void send(List<Message> messages);

    /**
     * Streams a snapshot to {@code message.getTo()}: the {@code MsgSnap} message followed by
     * the backend's contents from {@code payload}. The outcome is reported through {@link
     * RaftReceiver#reportSnapshot}; the payload is closed when the send ends either way.
     */
    void sendSnapshot(Message message, SnapshotPayload payload);

    /** Starts talking to a member (no-op if known). */
    void addPeer(long memberId, List<URI> peerUrls);

    /** Changes where a member is reached. */
    void updatePeer(long memberId, List<URI> peerUrls);

    /** Stops talking to a member and closes its connections. */
    void removePeer(long memberId);

    /**
     * Asks the leader {@code leaderId} to promote the learner {@code memberId} (etcd's forwarded
     * promote). Completes with the members the leader answers, or fails with the {@link
     * io.ketcd.api.EtcdException} the leader answered, or {@code TIMEOUT} if it did not answer.
     */
    CompletableFuture<List<Member>> promoteMember(long leaderId, long memberId);

    /**
     * Asks the leader {@code leaderId} to renew lease {@code leaseId} (etcd's forwarded renew,
     * {@code POST /leases} on its peer port). Completes with the TTL the leader renewed it to, or
     * fails with {@code LEASE_NOT_FOUND} (the leader answered 404), {@code TIMEOUT} (no answer
     * within the request timeout, or the leader's 408: it had not applied what it committed),
     * or another {@link io.ketcd.api.EtcdException} the leader answered (such as {@code
     * NOT_LEADER}); the caller decides whether to ask again.
     */
    CompletableFuture<Long> renewLease(long leaderId, long leaseId);

    /**
     * Asks the leader {@code leaderId} for a lease's TTL and keys (etcd's forwarded time-to-live,
     * {@code POST /leases/internal}); fails as {@link #renewLease} does.
     */
    CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(long leaderId, LeaseTimeToLiveRequest request);

    /**
     * Asks member {@code memberId} for its HashKV at {@code request}'s revision (etcd's peer
     * {@code GET /members/hashkv}, which the leader's corruption check uses); this member is
     * answered locally. The response's header names the member that answered.
     */
    CompletableFuture<HashKVResponse> hashKV(long memberId, HashKVRequest request);

    /** Since when the peer has had a working connection, empty while it is inactive or unknown. */
    Optional<Instant> activeSince(long memberId);

    /** Stops every stream and closes the listeners it was started with; idempotent. */
    @Override
    void close();
}
