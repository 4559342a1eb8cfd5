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

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;


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
final class LeaseForward extends LeaderForwarding {
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

    LeaseForward(PeerTransportConfig config, PeerClient client, Timeouts timeouts, ScheduledExecutorService timer) {
        super("lease request", true, config, client, timeouts, timer, MAX_IN_FLIGHT, MAX_BODY);
    }

    // ---- server side

    /** etcd's status for a failed lease request. */
    static int status(Throwable failure) {
        if (unwrap(failure) instanceof EtcdException e) {
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
            default -> unwrap(failure) instanceof EtcdException e ? e.getMessage() : MemberPromote.INTERNAL_ERROR;
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
        return forward(leader, path, (url, left) -> HttpRequest.newBuilder(url.resolve(path))
                        .header("Content-Type", PROTOBUF)
                        .timeout(left)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                (status, answer, result) -> answer(status, answer, decoder, result));
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
