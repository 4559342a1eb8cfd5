package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A RaftReceiver that records everything the transport hands it. */
final class RecordingReceiver implements RaftReceiver {
    /** What to do with a snapshot's payload. */
    interface SnapshotSink {
        void accept(Message m, InputStream payload) throws IOException;
    }

    final List<Message> processed = new CopyOnWriteArrayList<>();
    final List<Long> unreachable = new CopyOnWriteArrayList<>();
    final List<String> snapshotReports = new CopyOnWriteArrayList<>();
    final List<Message> snapshots = new CopyOnWriteArrayList<>();
    final List<Throwable> snapshotErrors = new CopyOnWriteArrayList<>();
    final AtomicInteger snapshotCalls = new AtomicInteger();
    final Set<Long> members = ConcurrentHashMap.newKeySet();
    final Set<Long> removed = ConcurrentHashMap.newKeySet();
    volatile List<Member> memberList = List.of();
    volatile boolean accept = true;
    /** Ids the transport asked to promote, in order. */
    final List<Long> promoteRequests = new CopyOnWriteArrayList<>();
    /** How to answer a promote; by default the member is not found. */
    volatile java.util.function.LongFunction<CompletableFuture<List<Member>>> promote =
            id -> CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    /** How to answer a forwarded renew; by default the lease is not found. */
    volatile java.util.function.LongFunction<CompletableFuture<Long>> renew =
            id -> CompletableFuture.failedFuture(EtcdError.LEASE_NOT_FOUND.exception());
    /** How to answer a forwarded time-to-live; by default the lease is not found. */
    volatile java.util.function.Function<LeaseTimeToLiveRequest, CompletableFuture<LeaseTimeToLiveResponse>> timeToLive =
            r -> CompletableFuture.failedFuture(EtcdError.LEASE_NOT_FOUND.exception());
    volatile SnapshotSink snapshotSink = (m, in) -> in.transferTo(java.io.OutputStream.nullOutputStream());

    RecordingReceiver(long... memberIds) {
        for (long id : memberIds) {
            members.add(id);
        }
    }

    @Override
    public boolean process(Message message) {
        if (!accept) {
            return false;
        }
        processed.add(message);
        return true;
    }

    @Override
    public void receiveSnapshot(Message message, InputStream payload) throws IOException {
        snapshotCalls.incrementAndGet();
        try {
            snapshotSink.accept(message, payload);
        } catch (IOException | RuntimeException e) {
            snapshotErrors.add(e);
            throw e;
        }
        snapshots.add(message);
        processed.add(message);
    }

    @Override
    public boolean isRemoved(long memberId) {
        return removed.contains(memberId);
    }

    @Override
    public boolean isMember(long memberId) {
        return members.contains(memberId);
    }

    @Override
    public void reportUnreachable(long memberId) {
        unreachable.add(memberId);
    }

    @Override
    public void reportSnapshot(long memberId, boolean failed) {
        snapshotReports.add(Long.toHexString(memberId) + (failed ? ":failed" : ":ok"));
    }

    @Override
    public List<Member> members() {
        return memberList;
    }

    @Override
    public CompletableFuture<List<Member>> promoteMember(long memberId) {
        promoteRequests.add(memberId);
        return promote.apply(memberId);
    }

    @Override
    public CompletableFuture<Long> renewLease(long leaseId) {
        return renew.apply(leaseId);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
        return timeToLive.apply(request);
    }

    /** What {@link #hashKV} answers; a test sets it. */
    volatile java.util.function.Function<io.ketcd.proto.etcdserverpb.HashKVRequest,
            CompletableFuture<io.ketcd.proto.etcdserverpb.HashKVResponse>> hashKv =
            r -> CompletableFuture.failedFuture(new IllegalStateException("no hash here"));

    @Override
    public CompletableFuture<io.ketcd.proto.etcdserverpb.HashKVResponse> hashKV(
            io.ketcd.proto.etcdserverpb.HashKVRequest request) {
        return hashKv.apply(request);
    }

    List<Message> processedOf(java.util.function.Predicate<Message> filter) {
        List<Message> out = new ArrayList<>();
        for (Message m : processed) {
            if (filter.test(m)) {
                out.add(m);
            }
        }
        return out;
    }
}
