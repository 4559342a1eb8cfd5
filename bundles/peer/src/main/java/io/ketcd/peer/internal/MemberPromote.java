package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.proto.etcdserverpb.Member;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

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
final class MemberPromote extends LeaderForwarding {
    private static final Logger LOG = LoggerFactory.getLogger(MemberPromote.class);
    static final String PREFIX = "/members/promote/";
    /** Promotes in flight per transport, each way; promotes are rare operator actions. */
    static final int MAX_IN_FLIGHT = 16;
    /** The largest answer body read (a members list). */
    static final int MAX_BODY = 4 << 20;
    static final String INTERNAL_ERROR = "Internal Server Error";

    private final PeerTransportConfig config;

    MemberPromote(PeerTransportConfig config, PeerClient client, Timeouts timeouts, ScheduledExecutorService timer) {
        super("promote", false, config, client, timeouts, timer, MAX_IN_FLIGHT, MAX_BODY);
        this.config = config;
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

    // ---- client side

    /** POSTs the promote to {@code leader}'s current URL, moving to its next URL on a connection failure. */
    CompletableFuture<List<Member>> forward(Peer leader, long memberId) {
        return forward(leader, "of " + Ids.hex(memberId), (url, left) -> PeerHeaders.common(
                        HttpRequest.newBuilder(url.resolve(PREFIX + Long.toUnsignedString(memberId))), config)
                        .timeout(left)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                (status, body, result) -> answer(leader.id(), memberId, status, body, result));
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
}
