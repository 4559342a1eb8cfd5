package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.proto.etcdserverpb.Member;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's forwarded promote ({@code POST /members/promote/<decimal id>} on the peer port): the
 * client side (etcd's {@code promoteMemberHTTP}), the status codes of the server side (etcd's
 * {@code peerMemberPromoteHandler}), and the timer that bounds both.
 *
 * <p>Server answers: 200 and the members as {@code /members} writes them; 404 for {@code
 * MEMBER_NOT_FOUND} (and, as etcd, {@code member <id> not found in cluster} for an id that is not
 * a decimal uint64); 412 for {@code MEMBER_NOT_LEARNER} and {@code LEARNER_NOT_READY}; 500 for any
 * other {@link EtcdException}, with its message (etcd writes {@code {"message":"Internal Server
 * Error"}} there; ketcd sends the message so that a ketcd follower can tell NOT_LEADER, TIMEOUT
 * etc. apart), and 500 {@code Internal Server Error} for anything else. Every error body is the
 * text and a newline (Go's {@code http.Error}).
 *
 * <p>Client mapping: 200 → the parsed members (an unparsable body is {@code UNHEALTHY}); 408 →
 * {@code TIMEOUT} (as etcd); otherwise a body that is one of etcd's error texts → that error; else
 * 404 → {@code MEMBER_NOT_FOUND} (as etcd, whatever the body); anything else → {@code UNHEALTHY}
 * (etcd returns an untyped "unknown error"; UNHEALTHY is an UNAVAILABLE code, so clients treat it
 * as transient, and it claims nothing about the learner). No answer within {@link
 * Timeouts#requestTimeout()}, or no connection on any of the leader's URLs → {@code TIMEOUT}.
 */
final class MemberPromote {
    private static final Logger LOG = LoggerFactory.getLogger(MemberPromote.class);
    static final String PREFIX = "/members/promote/";
    /** Promotes in flight per transport, each way; promotes are rare operator actions. */
    static final int MAX_IN_FLIGHT = 16;
    /** The largest answer body read (a members list). */
    static final int MAX_BODY = 4 << 20;
    static final String INTERNAL_ERROR = "Internal Server Error";

    private final PeerTransportConfig config;
    private final PeerClient client;
    private final Timeouts timeouts;
    private final ScheduledExecutorService timer;
    private final AtomicInteger clientInFlight = new AtomicInteger();
    private final AtomicInteger serverInFlight = new AtomicInteger();
    /** Every {@link #bounded} future not yet complete (at most 2 * {@link #MAX_IN_FLIGHT} and the local ones). */
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    MemberPromote(PeerTransportConfig config, PeerClient client, Timeouts timeouts, ScheduledExecutorService timer) {
        this.config = config;
        this.client = client;
        this.timeouts = timeouts;
        this.timer = timer;
    }

    // ---- server side

    /** etcd's strconv.ParseUint(s, 10, 64): decimal digits only, no sign; NumberFormatException otherwise. */
    static long parseId(String s) {
        if (s.isEmpty()) {
            throw new NumberFormatException("not a member id: " + s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException("not a member id: " + s);
            }
        }
        return Long.parseUnsignedLong(s);
    }

    /** Takes a server-side slot; false when {@link #MAX_IN_FLIGHT} promotes are being served. */
    boolean acquireServer() {
        if (serverInFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            serverInFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseServer() {
        serverInFlight.decrementAndGet();
    }

    /** The status etcd's peerMemberPromoteHandler answers for {@code failure}. */
    static int status(Throwable failure) {
        if (unwrap(failure) instanceof EtcdException e) {
            return switch (e.error()) {
                case MEMBER_NOT_FOUND -> 404;
                case MEMBER_NOT_LEARNER, LEARNER_NOT_READY -> 412;
                default -> 500;
            };
        }
        return 500;
    }

    /** The text of the error answer (without Go's trailing newline). */
    static String text(Throwable failure) {
        return unwrap(failure) instanceof EtcdException e ? e.getMessage() : INTERNAL_ERROR;
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * {@code future}, or {@code TIMEOUT} once {@link Timeouts#requestTimeout()} passed; completion
     * callbacks attached with {@link #executor()} run on the transport's promote thread.
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

    /** Fails every promote in flight with {@code STOPPED}: the transport is closing and its timer stops. */
    void close() {
        closed = true;
        for (CompletableFuture<?> f : List.copyOf(pending)) {
            f.completeExceptionally(EtcdError.STOPPED.exception());
        }
    }

    /** The promote thread; runs the task inline once the transport is closed (it then only meets closed connections). */
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

    /** POSTs the promote to {@code leader}'s current URL, moving to its next URL on a connection failure. */
    CompletableFuture<List<Member>> forward(Peer leader, long memberId) {
        if (clientInFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            clientInFlight.decrementAndGet();
            return CompletableFuture.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        CompletableFuture<List<Member>> attempt = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeouts.requestTimeout().toNanos();
        attempt(leader, memberId, attempt, deadline, leader.picker().size());
        CompletableFuture<List<Member>> result = bounded(attempt);
        result.whenComplete((v, e) -> clientInFlight.decrementAndGet());
        return result;
    }

    private void attempt(Peer leader, long memberId, CompletableFuture<List<Member>> result, long deadline, int urlsLeft) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || result.isDone()) {
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
            return;
        }
        URI url = leader.picker().pick();
        HttpRequest request = PeerHeaders.common(HttpRequest.newBuilder(url.resolve(PREFIX + Long.toUnsignedString(memberId))), config)
                .timeout(java.time.Duration.ofNanos(left))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(request, info -> capped());
        } catch (RuntimeException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return;
        }
        sent.whenComplete((response, error) -> {
            if (error == null) {
                answer(leader.id(), memberId, response.statusCode(), response.body(), result);
                return;
            }
            Throwable cause = unwrap(error);
            LOG.warn("{}: promote of {} forwarded to {} at {} failed: {}", Ids.hex(config.memberId()), Ids.hex(memberId),
                    Ids.hex(leader.id()), url, cause.toString());
            if (cause instanceof ConnectException) {
                leader.picker().unreachable(url);
                if (urlsLeft > 1) {
                    attempt(leader, memberId, result, deadline, urlsLeft - 1);
                    return;
                }
            }
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
        });
    }

    private void answer(long leaderId, long memberId, int status, byte[] body, CompletableFuture<List<Member>> result) {
        if (body == null) {
            LOG.warn("{}: the answer of {} to the promote of {} exceeds {} bytes", Ids.hex(config.memberId()), Ids.hex(leaderId),
                    Ids.hex(memberId), MAX_BODY);
            result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            return;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (status == 200) {
            try {
                result.complete(MembersJson.parse(text));
            } catch (IOException e) {
                LOG.warn("{}: cannot read the members {} answered to the promote of {}: {}", Ids.hex(config.memberId()),
                        Ids.hex(leaderId), Ids.hex(memberId), e.getMessage());
                result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            }
            return;
        }
        EtcdError error = error(status, text);
        LOG.info("{}: {} answered the promote of {} with {} {}", Ids.hex(config.memberId()), Ids.hex(leaderId), Ids.hex(memberId),
                status, text.trim());
        result.completeExceptionally(error.exception());
    }

    /** The error a non-200 answer stands for (the class comment has the rules). */
    static EtcdError error(int status, String body) {
        if (status == 408) {
            return EtcdError.TIMEOUT;
        }
        Optional<EtcdError> named = EtcdError.fromMessage(body);
        if (named.isPresent()) {
            return named.get();
        }
        return status == 404 ? EtcdError.MEMBER_NOT_FOUND : EtcdError.UNHEALTHY;
    }

    /** A body subscriber that keeps at most {@link #MAX_BODY} bytes; its body is null when there were more. */
    static HttpResponse.BodySubscriber<byte[]> capped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] overflow = {false};
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> {
            if (chunk.isEmpty()) {
                return;
            }
            byte[] bytes = chunk.get();
            if (overflow[0] || out.size() + bytes.length > MAX_BODY) {
                overflow[0] = true;
                return;
            }
            out.writeBytes(bytes);
        }), ignored -> overflow[0] ? null : out.toByteArray());
    }
}
