package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.server.lease.LeaseInfo;
import io.ketcd.server.lease.Lessor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The lease requests the leader answers without the log (etcd's LeaseRenew and LeaseTimeToLive in
 * {@code v3_server.go}): on the leader from its lessor, once it has applied what it committed; on
 * a follower forwarded to the leader over the peer port, asking again (the leader may change, or
 * not be promoted yet) until etcd's request timeout, while there is no leader waiting an election
 * timeout between looks. Ends with {@code NO_LEADER} if no leader was known at the end, else
 * {@code TIMEOUT}; {@code LEASE_NOT_FOUND} and {@code STOPPED} end it at once.
 */
public final class LeaseRequests {
    /** etcd's applyTimeout: how long the leader waits to apply what it committed before answering. */
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(1);

    private final long memberId;
    private final Lessor lessor;
    private final RaftLoop raftLoop;
    private final AppliedIndex appliedIndex;
    private final PeerLink peerLink;
    private final ScheduledExecutorService timer;
    private final long requestTimeoutNanos;
    private final long electionMillis;
    private final long retryMillis;
    private final BooleanSupplier stopped;

    /**
     * @param timer runs the next attempt and bounds the wait for the applied index
     * @param retry the pause before asking a leader again after a failed answer
     */
    LeaseRequests(long memberId, Lessor lessor, RaftLoop raftLoop, AppliedIndex appliedIndex, PeerLink peerLink,
                  ScheduledExecutorService timer, Duration requestTimeout, Duration electionTimeout, Duration retry,
                  BooleanSupplier stopped) {
        this.memberId = memberId;
        this.lessor = lessor;
        this.raftLoop = raftLoop;
        this.appliedIndex = appliedIndex;
        this.peerLink = peerLink;
        this.timer = timer;
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.electionMillis = electionTimeout.toMillis();
        this.retryMillis = retry.toMillis();
        this.stopped = stopped;
    }

    /** Renews lease {@code id} on the leader; completes with its TTL. */
    public CompletableFuture<Long> renew(long id) {
        return onLeader(() -> renewAsLeader(id), leader -> peerLink.forwardRenew(leader, id));
    }

    /** Lease {@code r.ID}'s TTLs (and keys) as the leader knows them; {@code LEASE_NOT_FOUND} if it has none. */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        return onLeader(() -> timeToLiveAsLeader(r), leader -> peerLink.forwardTimeToLive(leader, r));
    }

    /** A renew this member answers as the leader: for itself, or for a follower that forwarded it. */
    CompletableFuture<Long> renewAsLeader(long id) {
        if (!raftLoop.isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        return appliedCommitted().thenCompose(v -> lessor.renew(id));
    }

    /**
     * A time-to-live this member answers as the leader, from its lessor. Unlike etcd, a leader
     * whose lessor is not promoted yet (it has not applied its first entry of the term) answers
     * NOT_LEADER, so the question is asked again, rather than a remaining TTL of "no expiry".
     */
    CompletableFuture<LeaseTimeToLiveResponse> timeToLiveAsLeader(LeaseTimeToLiveRequest r) {
        if (!raftLoop.isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        return appliedCommitted().thenApply(v -> {
            if (!lessor.isPrimary()) {
                throw EtcdError.NOT_LEADER.exception();
            }
            LeaseInfo l = lessor.lookup(r.getID(), r.getKeys()).orElseThrow(EtcdError.LEASE_NOT_FOUND::exception);
            return LeaseTimeToLiveResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance()).setID(l.id())
                    .setTTL(l.remainingSeconds()).setGrantedTTL(l.grantedTtl()).addAllKeys(l.keys()).build();
        });
    }

    /** etcd's waitAppliedIndex: the leader has applied everything it had committed, or TIMEOUT_WAIT_APPLIED_INDEX. */
    private CompletableFuture<Void> appliedCommitted() {
        return appliedIndex.await(raftLoop.committedIndex())
                .orTimeout(APPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                        unwrap(e) instanceof java.util.concurrent.TimeoutException
                                ? EtcdError.TIMEOUT_WAIT_APPLIED_INDEX.exception() : unwrap(e)));
    }

    /**
     * Runs {@code local} when this member leads, else {@code remote} with the leader's id, as etcd
     * does: an error of the leader's own other than NOT_LEADER ends the request; a lessor not yet
     * the primary, a forward that failed or a missing leader is asked again until the deadline.
     */
    private <T> CompletableFuture<T> onLeader(Supplier<CompletableFuture<T>> local, LongFunction<CompletableFuture<T>> remote) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + requestTimeoutNanos;
        if (raftLoop.isLeader()) {
            bounded(local.get(), deadline).whenComplete((v, e) -> {
                if (e == null) {
                    result.complete(v);
                } else if (isError(e, EtcdError.NOT_LEADER)) {
                    attempt(result, deadline, local, remote);
                } else {
                    result.completeExceptionally(unwrap(e));
                }
            });
        } else {
            attempt(result, deadline, local, remote);
        }
        return result;
    }

    private <T> void attempt(CompletableFuture<T> result, long deadline, Supplier<CompletableFuture<T>> local,
                             LongFunction<CompletableFuture<T>> remote) {
        if (result.isDone()) {
            return;
        }
        if (stopped.getAsBoolean()) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return;
        }
        long leader = raftLoop.lead();
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMillis <= 0) {
            result.completeExceptionally((leader == 0 ? EtcdError.NO_LEADER : EtcdError.TIMEOUT).exception());
            return;
        }
        if (leader == 0) {
            // etcd's waitLeader: look again after an election timeout
            later(Math.min(electionMillis, leftMillis), () -> attempt(result, deadline, local, remote), result);
            return;
        }
        CompletableFuture<T> answer;
        try {
            answer = leader == memberId ? local.get() : remote.apply(leader);
        } catch (EtcdException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        bounded(answer, deadline).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
            } else if (isError(e, EtcdError.LEASE_NOT_FOUND) || isError(e, EtcdError.STOPPED)) {
                result.completeExceptionally(unwrap(e));
            } else {
                later(Math.min(retryMillis, leftMillis), () -> attempt(result, deadline, local, remote), result);
            }
        });
    }

    /**
     * {@code answer}, failing with TIMEOUT at the deadline: an attempt never outlives the request,
     * so the request ends with this class's NO_LEADER or TIMEOUT, not with a caller's bound.
     */
    private static <T> CompletableFuture<T> bounded(CompletableFuture<T> answer, long deadline) {
        long left = Math.max(0, deadline - System.nanoTime());
        return answer.copy().orTimeout(left, TimeUnit.NANOSECONDS);
    }

    private void later(long millis, Runnable task, CompletableFuture<?> result) {
        try {
            timer.schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
        }
    }

    private static boolean isError(Throwable t, EtcdError error) {
        return unwrap(t) instanceof EtcdException e && e.error() == error;
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
