package io.ketcd.peer.internal;

import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.leasepb.LeaseInternalRequest;
import io.ketcd.proto.leasepb.LeaseInternalResponse;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's forwarded lease requests ({@code lease/leasehttp}): a follower sends a keep-alive to the
 * leader's {@code POST /leases} (body {@code etcdserverpb.LeaseKeepAliveRequest}, answer {@code
 * LeaseKeepAliveResponse}) and a time-to-live to {@code POST /leases/internal} ({@code
 * leasepb.LeaseInternalRequest}, answer {@code LeaseInternalResponse}), both {@code
 * application/protobuf}, without etcd's peer headers checks, as etcd.
 *
 * <p>Server answers, as etcd's leaseHandler: 200 and the message; 404 {@code lease not found};
 * 408 {@code waiting for node to catch up its applied index has timed out} for {@code
 * TIMEOUT_WAIT_APPLIED_INDEX} and for no answer within the request timeout; 400 with the
 * error's text for any other error (etcd: {@code not a primary lessor}); 400 {@code error
 * unmarshalling request}; 405 for another method.
 *
 * <p>Client mapping (etcd's RenewHTTP and TimeToLiveHTTP): 200 → the message (another lease's id
 * or an undecodable body is {@code UNHEALTHY}); 404 → {@code LEASE_NOT_FOUND}; 408 → {@code
 * TIMEOUT}; otherwise a body that is one of etcd's error texts → that error, else {@code
 * UNHEALTHY}. No answer within {@link Timeouts#requestTimeout()}, or no connection on any of the
 * leader's URLs → {@code TIMEOUT}. Callers ask again as they see fit (the server does, until its
 * own deadline).
 */
final class LeaseForward {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseForward.class);
    static final String RENEW = "/leases";
    static final String TIME_TO_LIVE = "/leases/internal";
    static final String PROTOBUF = "application/protobuf";
    static final String NOT_FOUND = "lease not found";
    static final String APPLY_TIMEOUT = "waiting for node to catch up its applied index has timed out";
    static final String BAD_REQUEST = "error unmarshalling request";
    /** Forwards in flight per transport and direction: keep-alives of many clients share the link. */
    static final int MAX_IN_FLIGHT = 1024;
    /** The largest body read either way (a time-to-live lists its keys). */
    static final int MAX_BODY = 4 << 20;

    private final PeerTransportConfig config;
    private final PeerClient client;
    private final Timeouts timeouts;
    private final ScheduledExecutorService timer;
    private final AtomicInteger clientInFlight = new AtomicInteger();
    private final AtomicInteger serverInFlight = new AtomicInteger();

    LeaseForward(PeerTransportConfig config, PeerClient client, Timeouts timeouts, ScheduledExecutorService timer) {
        this.config = config;
        this.client = client;
        this.timeouts = timeouts;
        this.timer = timer;
    }

    // ---- server side

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

    /** etcd's status for a failed lease request. */
    static int status(Throwable failure) {
        if (MemberPromote.unwrap(failure) instanceof EtcdException e) {
            return switch (e.error()) {
                case LEASE_NOT_FOUND -> 404;
                case TIMEOUT_WAIT_APPLIED_INDEX, TIMEOUT -> 408;
                default -> 400;
            };
        }
        return 400;
    }

    /** etcd's text for a failed lease request (without Go's trailing newline). */
    static String text(Throwable failure) {
        return switch (status(failure)) {
            case 404 -> NOT_FOUND;
            case 408 -> APPLY_TIMEOUT;
            default -> MemberPromote.unwrap(failure) instanceof EtcdException e ? e.getMessage() : MemberPromote.INTERNAL_ERROR;
        };
    }

    /** {@code future}, or {@code TIMEOUT} after the request timeout; callbacks with {@link #executor()} run on the timer thread. */
    <T> CompletableFuture<T> bounded(CompletableFuture<T> future) {
        CompletableFuture<T> result = new CompletableFuture<>();
        ScheduledFuture<?> timeout;
        try {
            timeout = timer.schedule(() -> result.completeExceptionally(EtcdError.TIMEOUT.exception()),
                    timeouts.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return result;
        }
        future.whenComplete((v, e) -> {
            timeout.cancel(false);
            if (e == null) {
                result.complete(v);
            } else {
                result.completeExceptionally(MemberPromote.unwrap(e));
            }
        });
        return result;
    }

    /** The thread answers are written on, so no server thread (the apply loop) writes to a socket; inline once closed. */
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

    CompletableFuture<Long> renew(Peer leader, long leaseId) {
        byte[] body = LeaseKeepAliveRequest.newBuilder().setID(leaseId).build().toByteArray();
        return forward(leader, RENEW, body, bytes -> {
            LeaseKeepAliveResponse r = LeaseKeepAliveResponse.parseFrom(bytes);
            if (r.getID() != leaseId) {
                throw new InvalidProtocolBufferException("lease: renew id mismatch");
            }
            return r.getTTL();
        });
    }

    CompletableFuture<LeaseTimeToLiveResponse> timeToLive(Peer leader, LeaseTimeToLiveRequest request) {
        byte[] body = LeaseInternalRequest.newBuilder().setLeaseTimeToLiveRequest(request).build().toByteArray();
        return forward(leader, TIME_TO_LIVE, body, bytes -> {
            LeaseTimeToLiveResponse r = LeaseInternalResponse.parseFrom(bytes).getLeaseTimeToLiveResponse();
            if (r.getID() != request.getID()) {
                throw new InvalidProtocolBufferException("lease: renew id mismatch");
            }
            return r;
        });
    }

    /** A decoder of a 200 answer's body. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(byte[] body) throws InvalidProtocolBufferException;
    }

    private <T> CompletableFuture<T> forward(Peer leader, String path, byte[] body, Decoder<T> decoder) {
        if (clientInFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            clientInFlight.decrementAndGet();
            return CompletableFuture.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeouts.requestTimeout().toNanos();
        attempt(leader, path, body, decoder, result, deadline, leader.picker().size());
        result.whenComplete((v, e) -> clientInFlight.decrementAndGet());
        return result;
    }

    private <T> void attempt(Peer leader, String path, byte[] body, Decoder<T> decoder, CompletableFuture<T> result,
                             long deadline, int urlsLeft) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
            return;
        }
        URI url = leader.picker().pick();
        HttpRequest request = HttpRequest.newBuilder(url.resolve(path))
                .header("Content-Type", PROTOBUF)
                .timeout(Duration.ofNanos(left))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(request, info -> MemberPromote.capped());
        } catch (RuntimeException e) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return;
        }
        sent.whenComplete((response, error) -> {
            if (error == null) {
                answer(response.statusCode(), response.body(), decoder, result);
                return;
            }
            Throwable cause = MemberPromote.unwrap(error);
            LOG.debug("{}: lease request {} to {} at {} failed: {}", Ids.hex(config.memberId()), path, Ids.hex(leader.id()),
                    url, cause.toString());
            if (cause instanceof ConnectException) {
                leader.picker().unreachable(url);
                if (urlsLeft > 1) {
                    attempt(leader, path, body, decoder, result, deadline, urlsLeft - 1);
                    return;
                }
            }
            result.completeExceptionally(EtcdError.TIMEOUT.exception());
        });
    }

    private static <T> void answer(int status, byte[] body, Decoder<T> decoder, CompletableFuture<T> result) {
        if (body == null) {
            result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            return;
        }
        if (status == 200) {
            try {
                result.complete(decoder.decode(body));
            } catch (InvalidProtocolBufferException e) {
                result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            }
            return;
        }
        result.completeExceptionally(error(status, new String(body, StandardCharsets.UTF_8)).exception());
    }

    /** The error a non-200 answer stands for (the class comment has the rules). */
    static EtcdError error(int status, String body) {
        if (status == 404) {
            return EtcdError.LEASE_NOT_FOUND;
        }
        if (status == 408) {
            return EtcdError.TIMEOUT;
        }
        Optional<EtcdError> named = EtcdError.fromMessage(body);
        return named.orElse(EtcdError.UNHEALTHY);
    }
}
