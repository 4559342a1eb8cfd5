package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code GET /members/hashkv} on the peer port, which the leader's periodic corruption
 * check asks every member: the body is Go's JSON of {@code HashKVRequest} ({@code
 * {"revision":N}}), the answer Go's JSON of {@code HashKVResponse} with {@code omitempty}
 * ({@code {"header":{"revision":R},"hash":H,"compact_revision":C}}, zero fields left out), with
 * the member's cluster id header. Errors, as etcd's hashKVHandler: 412 {@code clusterID mismatch},
 * 400 with the error's text (a compacted or future revision), 400 for a body that is not such
 * JSON, 405 for another method.
 *
 * <p>Client: 200 → the response, with the asked member's id put in its header (etcd's answer
 * has none; the caller needs to know whose hash it is); anything else → the error its text names,
 * else {@code UNHEALTHY}. No answer within {@link Timeouts#requestTimeout()} → {@code TIMEOUT}.
 */
final class HashKvForward extends LeaderForwarding {
    private static final Logger LOG = LoggerFactory.getLogger(HashKvForward.class);
    static final String PATH = "/members/hashkv";
    static final String CLUSTER_ID_MISMATCH = "clusterID mismatch";
    static final String BAD_REQUEST = "error unmarshalling request";
    /** Checks in flight per transport and direction: one per peer per check. */
    static final int MAX_IN_FLIGHT = 64;
    static final int MAX_BODY = 4096;

    private final PeerTransportConfig config;

    HashKvForward(PeerTransportConfig config, PeerClient client, Timeouts timeouts, ScheduledExecutorService timer) {
        super("hashkv", false, config, client, timeouts, timer, MAX_IN_FLIGHT, MAX_BODY);
        this.config = config;
    }

    // ---- the JSON both sides write and read

    static HashKVRequest parseRequest(byte[] body) throws IOException {
        try {
            Map<?, ?> obj = object(body);
            return HashKVRequest.newBuilder().setRevision(number(obj.get("revision"))).build();
        } catch (IOException | NumberFormatException e) {
            throw new IOException(BAD_REQUEST, e);
        }
    }

    static byte[] writeRequest(HashKVRequest request) {
        return (request.getRevision() == 0 ? "{}" : "{\"revision\":" + request.getRevision() + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] writeResponse(HashKVResponse response) {
        StringBuilder json = new StringBuilder("{\"header\":{");
        if (response.getHeader().getRevision() != 0) {
            json.append("\"revision\":").append(response.getHeader().getRevision());
        }
        json.append('}');
        if (response.getHash() != 0) {
            json.append(",\"hash\":").append(Integer.toUnsignedString(response.getHash()));
        }
        if (response.getCompactRevision() != 0) {
            json.append(",\"compact_revision\":").append(response.getCompactRevision());
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    static HashKVResponse parseResponse(byte[] body, long memberId) throws IOException {
        try {
            Map<?, ?> obj = object(body);
            long revision = obj.get("header") instanceof Map<?, ?> header ? number(header.get("revision")) : 0;
            return HashKVResponse.newBuilder()
                    .setHeader(ResponseHeader.newBuilder().setMemberId(memberId).setRevision(revision))
                    .setHash((int) number(obj.get("hash")))
                    .setCompactRevision(number(obj.get("compact_revision")))
                    .build();
        } catch (NumberFormatException e) {
            throw new IOException("bad number in a hashkv answer", e);
        }
    }

    private static Map<?, ?> object(byte[] body) throws IOException {
        if (!(new MembersJson.Parser(new String(body, StandardCharsets.UTF_8)).document() instanceof Map<?, ?> obj)) {
            throw new IOException("expected a JSON object");
        }
        return obj;
    }

    /** A JSON number that fits 64 bits, unsigned ones (a hash is a uint32) included; absent is 0. */
    private static long number(Object value) throws IOException {
        if (value == null) {
            return 0;
        }
        if (!(value instanceof MembersJson.NumberToken) && !(value instanceof Number)) {
            throw new IOException("expected a number, got " + value);
        }
        String text = value.toString();
        return text.startsWith("-") ? Long.parseLong(text) : Long.parseUnsignedLong(text);
    }

    /** etcd's text for a failed hash: the error's own message (e.g. a compacted revision). */
    static String text(Throwable failure) {
        return unwrap(failure) instanceof EtcdException e ? e.getMessage() : MemberPromote.INTERNAL_ERROR;
    }

    // ---- client side

    /** Asks {@code peer} for its HashKV at {@code request}'s revision. */
    CompletableFuture<HashKVResponse> ask(Peer peer, HashKVRequest request) {
        byte[] body = writeRequest(request);
        return forward(peer, "at revision " + request.getRevision(), (url, left) -> PeerHeaders.common(
                        HttpRequest.newBuilder(url.resolve(PATH)), config)
                        .timeout(left)
                        .method("GET", HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                (status, answer, result) -> answer(peer.id(), status, answer, result));
    }

    private void answer(long peerId, int status, byte[] body, CompletableFuture<HashKVResponse> result) {
        if (body == null) {
            result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            return;
        }
        if (status == 200) {
            try {
                result.complete(parseResponse(body, peerId));
            } catch (IOException e) {
                LOG.warn("{}: cannot read the hashkv answer of {}: {}", Ids.hex(config.memberId()), Ids.hex(peerId),
                        e.getMessage());
                result.completeExceptionally(EtcdError.UNHEALTHY.exception());
            }
            return;
        }
        String text = new String(body, StandardCharsets.UTF_8).trim();
        LOG.info("{}: {} answered the hashkv request with {} {}", Ids.hex(config.memberId()), Ids.hex(peerId), status, text);
        result.completeExceptionally(EtcdError.fromMessage(text).orElse(EtcdError.UNHEALTHY).exception());
    }
}
