package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.peer.PeerTransportConfig;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every request a follower forwards to the leader over the peer port shares (etcd's
 * promote and lease handlers): a bound on requests in flight each way, the request timeout on
 * both sides, the thread answers are written on, and the client's walk over the leader's URLs
 * (the next one after a refused connection, {@code TIMEOUT} when none answers in time). {@link
 * MemberPromote} and {@link LeaseForward} put their paths, bodies and status codes on top.
 */
class LeaderForwarding {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderForwarding.class);

    /** Turns a complete answer into the request's result, or the error it stands for. */
    @FunctionalInterface
    interface Answer<T> {
        void complete(int status, byte[] body, CompletableFuture<T> result);
    }

    private final String what;
    private final boolean routine;
    private final PeerTransportConfig config;
    private final PeerClient client;
    private final Timeouts timeouts;
    private final ScheduledExecutorService timer;
    private final int maxInFlight;
    private final int maxBody;
    private final AtomicInteger clientInFlight = new AtomicInteger();
    private final AtomicInteger serverInFlight = new AtomicInteger();
    /** Every {@link #bounded} future not yet complete (at most the in-flight bounds and the local ones). */
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param what names the requests in the log
     * @param routine whether failed forwards are routine (many keep-alives fail at each leader
     *     change) and logged at debug, rather than at warn
     * @param maxInFlight requests served, and requests forwarded, at once at most
     * @param maxBody the largest answer body read
     */
    LeaderForwarding(String what, boolean routine, PeerTransportConfig config, PeerClient client, Timeouts timeouts,
                     ScheduledExecutorService timer, int maxInFlight, int maxBody) {
        this.what = what;
        this.routine = routine;
        this.config = config;
        this.client = client;
        this.timeouts = timeouts;
        this.timer = timer;
        this.maxInFlight = maxInFlight;
        this.maxBody = maxBody;
    }

    // ---- server side

    /** Takes a server-side slot; false when the most requests allowed are being served. */
    boolean acquireServer() {
        if (serverInFlight.incrementAndGet() > maxInFlight) {
            serverInFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseServer() {
        serverInFlight.decrementAndGet();
    }

    /**
     * {@code future}, or {@code TIMEOUT} once {@link Timeouts#requestTimeout()} passed, or
     * {@code STOPPED} when the transport closes first; completion callbacks attached with {@link
     * #executor()} run on the timer's thread.
     */
    <T> CompletableFuture<T> bounded(CompletableFuture<T> future) {
        CompletableFuture<T> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((v, e) -> pending.remove(result));
        if (closed) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return result;
        }
        ScheduledFuture<?> timeout;
        try {
            timeout = timer.schedule(() -> result.completeExceptionally(EtcdError.TIMEOUT.exception()),
                    timeouts.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return result;
        }
        future.whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
            } else {
                result.completeExceptionally(unwrap(e));
            }
        });
        result.whenComplete((v, e) -> timeout.cancel(false));
        return result;
    }

    /** Fails every request in flight with {@code STOPPED}: the transport is closing and its timer stops. */
    void close() {
        closed = true;
        for (CompletableFuture<?> f : List.copyOf(pending)) {
            f.completeExceptionally(EtcdError.STOPPED.exception());
        }
    }

    /** The timer's thread, so no server thread (the apply loop) writes to a socket; inline once it stopped. */
    Executor executor() {
        return task -> {
            try {
                timer.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
    }

    // ---- client side

    /**
     * Sends the request {@code build} makes for one of {@code leader}'s URLs (given the time
     * left), moving to its next URL on a refused connection, and completes the result through
     * {@code answer}; {@code TOO_MANY_REQUESTS} when the most requests allowed are in flight.
     */
    <T> CompletableFuture<T> forward(Peer leader, String describe, BiFunction<URI, Duration, HttpRequest> build,
                                     Answer<T> answer) {
        if (clientInFlight.incrementAndGet() > maxInFlight) {
            clientInFlight.decrementAndGet();
            return CompletableFuture.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        CompletableFuture<T> attempt = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeouts.requestTimeout().toNanos();
        attempt(leader, describe, build, answer, attempt, deadline, leader.picker().size());
        CompletableFuture<T> result = bounded(attempt);
        result.whenComplete((v, e) -> clientInFlight.decrementAndGet());
        return result;
    }

    private <T> void attempt(Peer leader, String describe, BiFunction<URI, Duration, HttpRequest> build,
                             Answer<T> answer, CompletableFuture<T> result, long deadline, int urlsLeft) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || result.isDone()) {
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
            return;
        }
        URI url = leader.picker().pick();
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(build.apply(url, Duration.ofNanos(left)), this::bodyOf);
        } catch (RuntimeException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return;
        }
        sent.whenComplete((response, error) -> {
            if (error == null) {
                answer.complete(response.statusCode(), response.body(), result);
                return;
            }
            Throwable cause = unwrap(error);
            String format = "{}: {} {} forwarded to {} at {} failed: {}";
            Object[] args = {Ids.hex(config.memberId()), what, describe, Ids.hex(leader.id()), url, cause.toString()};
            if (routine) {
                LOG.debug(format, args);
            } else {
                LOG.warn(format, args);
            }
            if (cause instanceof ConnectException) {
                leader.picker().unreachable(url);
                if (urlsLeft > 1) {
                    attempt(leader, describe, build, answer, result, deadline, urlsLeft - 1);
                    return;
                }
            }
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
        });
    }

    /**
     * The answer's body, or null when it is longer than {@code maxBody}. A body of a declared
     * length (the usual answer) is read by the JDK's own byte-array subscriber, which the client
     * completes on the thread that read it; for any other subscriber (a mapped one, as {@link
     * #capped} is) it first hands the body to its executor, one more thread switch per forwarded
     * keep-alive. Only an answer without a length (chunked) takes the capped path.
     */
    private HttpResponse.BodySubscriber<byte[]> bodyOf(HttpResponse.ResponseInfo info) {
        OptionalLong length = info.headers().firstValueAsLong("Content-Length");
        if (length.isEmpty()) {
            return capped();
        }
        return length.getAsLong() <= maxBody ? HttpResponse.BodySubscribers.ofByteArray()
                : HttpResponse.BodySubscribers.replacing(null);
    }

    /** A body subscriber that keeps at most {@code maxBody} bytes; its body is null when there were more. */
    private HttpResponse.BodySubscriber<byte[]> capped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] overflow = {false};
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> {
            if (chunk.isEmpty()) {
                return;
            }
            byte[] bytes = chunk.get();
            if (overflow[0] || out.size() + bytes.length > maxBody) {
                overflow[0] = true;
                return;
            }
            out.writeBytes(bytes);
        }), ignored -> overflow[0] ? null : out.toByteArray());
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
