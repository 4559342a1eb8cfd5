package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.host.HandlerMounts;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.leasepb.LeaseInternalRequest;
import io.ketcd.proto.leasepb.LeaseInternalResponse;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's peer handler: {@code /raft} (pipeline), {@code /raft/stream/}, {@code /raft/snapshot},
 * {@code /raft/probing}, {@code /version}, {@code /members}, {@code /members/promote/<id>}, {@code /leases} and
 * {@code /leases/internal}, with etcd's checks, status codes
 * and error texts (Go's {@code http.Error}: text/plain, the text and a newline). A rejected
 * request is logged through a {@link BadInputLog} (one line per status and interval, its path and
 * header values escaped), a refusal of ours (5xx) at WARN with the same escaping; nothing of it
 * reaches the receiver. Runs on Grizzly's worker threads; a stream request keeps its thread for the
 * stream's lifetime, writing the peer's messages.
 */
final class PeerHandler extends HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PeerHandler.class);
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String STREAM_PREFIX = "/raft/stream/";

    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final PeerTransportImpl transport;
    private final Clock clock;
    private final BadInputLog badInput = new BadInputLog(LOG);
    private final HandlerMounts whiteboard;

    PeerHandler(PeerTransportConfig config, RaftReceiver receiver, PeerTransportImpl transport, Clock clock,
            HandlerMounts whiteboard) {
        this.whiteboard = whiteboard;
        this.config = config;
        this.receiver = receiver;
        this.transport = transport;
        this.clock = clock;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        String path = request.getRequestURI();
        if (transport.isClosed()) {
            write(response, HttpStatus.SERVICE_UNAVAILABLE_503, TEXT_PLAIN, "the member is stopping\n");
            return;
        }
        if (path.equals("/raft")) {
            pipeline(request, response);
        } else if (path.equals("/raft/snapshot")) {
            snapshot(request, response);
        } else if (path.startsWith(STREAM_PREFIX)) {
            stream(request, response, path.substring(STREAM_PREFIX.length()));
        } else if (path.equals("/raft/probing")) {
            // etcd's probing handler: any method; Go sniffs the JSON as text/plain
            write(response, HttpStatus.OK_200, TEXT_PLAIN, "{\"OK\":true,\"Now\":\"" + clock.instant() + "\"}\n");
        } else if (path.equals("/version")) {
            if (allow(request, response, Method.GET)) {
                write(response, HttpStatus.OK_200, JSON,
                        "{\"etcdserver\":\"" + config.serverVersion() + "\",\"etcdcluster\":\"" + config.clusterVersion() + "\"}");
            }
        } else if (path.startsWith(MemberPromote.PREFIX)) {
            promote(request, response, path.substring(MemberPromote.PREFIX.length()));
        } else if (path.equals(LeaseForward.RENEW) || path.equals(LeaseForward.TIME_TO_LIVE)) {
            lease(request, response, path);
        } else if (path.equals(HashKvForward.PATH)) {
            hashKv(request, response);
        } else if (path.equals("/members")) {
            if (allow(request, response, Method.GET)) {
                response.setHeader(PeerHeaders.CLUSTER_ID, Ids.hex(config.clusterId()));
                write(response, HttpStatus.OK_200, JSON, MembersJson.write(receiver.members()));
            }
        } else if (!whiteboard.serve(request, response)) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "404 page not found", "no such path");
        }
    }

    // ---- POST /raft

    private void pipeline(Request request, Response response) throws IOException {
        if (!allow(request, response, Method.POST) || !compatible(request, response) || !knownSender(request, response)) {
            return;
        }
        long length = request.getContentLengthLong();
        if (length > Frames.MAX_FRAME_BYTES) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "error reading raft message",
                    "body of " + length + " bytes exceeds the limit of " + Frames.MAX_FRAME_BYTES);
            return;
        }
        byte[] body;
        try {
            body = request.getInputStream().readNBytes(Frames.MAX_FRAME_BYTES + 1);
        } catch (IOException e) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "error reading raft message", "reading the body: " + e.getMessage());
            return;
        }
        if (body.length > Frames.MAX_FRAME_BYTES) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "error reading raft message",
                    "body exceeds the limit of " + Frames.MAX_FRAME_BYTES + " bytes");
            return;
        }
        Message m;
        try {
            m = Frames.parse(body);
        } catch (Frames.BadFrameException e) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "error unmarshalling raft message", e.getMessage());
            return;
        }
        if (!fromSender(request, response, m)) {
            return;
        }
        if (!receiver.process(m)) {
            reject(request, response, HttpStatus.SERVICE_UNAVAILABLE_503, "error processing raft message", "the receiver did not take a " + m.getType());
            return;
        }
        transport.counted(transport.received, PeerChannel.PIPELINE, 1);
        response.setStatus(HttpStatus.NO_CONTENT_204);
    }

    // ---- POST /raft/snapshot

    private void snapshot(Request request, Response response) throws IOException {
        if (!allow(request, response, Method.POST) || !compatible(request, response) || !knownSender(request, response)) {
            return;
        }
        InputStream body = request.getInputStream();
        Message m;
        try {
            m = Frames.read(body);
            if (m == null) {
                throw new EOFException("empty body");
            }
        } catch (IOException e) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "failed to decode raft message (" + e.getMessage() + ")", e.getMessage());
            return;
        }
        if (m.getType() != MessageType.MsgSnap) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, "wrong raft message type", "a " + m.getType() + " on the snapshot path");
            return;
        }
        if (!fromSender(request, response, m)) {
            return;
        }
        LOG.info("{}: receiving snapshot [index {}] from {}", Ids.hex(config.memberId()),
                m.getSnapshot().getMetadata().getIndex(), Ids.hex(m.getFrom()));
        SnapshotChunks.Reader payload = new SnapshotChunks.Reader(body);
        try {
            receiver.receiveSnapshot(m, payload);
        } catch (IOException | RuntimeException e) {
            // corrupt or truncated input is the sender's fault (400); anything else is local storage (500)
            boolean corrupt = payload.broken() || e instanceof EOFException || e instanceof StreamCorruptedException;
            reject(request, response, corrupt ? HttpStatus.BAD_REQUEST_400 : HttpStatus.INTERNAL_SERVER_ERROR_500,
                    "failed to save KV snapshot (" + e.getMessage() + ")", "snapshot not received: " + e);
            return;
        }
        if (!payload.complete()) {
            // the receiver accepted (and applied) the snapshot without reading to the end marker; skip the rest
            try {
                long extra = payload.transferTo(java.io.OutputStream.nullOutputStream());
                if (extra > 0) {
                    LOG.warn("{}: the receiver accepted a snapshot from {} without reading its last {} bytes", Ids.hex(config.memberId()),
                            Ids.hex(m.getFrom()), extra);
                }
            } catch (IOException e) {
                LOG.warn("{}: the snapshot from {} was accepted by the receiver but its body ended badly: {}", Ids.hex(config.memberId()),
                        Ids.hex(m.getFrom()), e.getMessage());
            }
        }
        transport.counted(transport.received, PeerChannel.SNAPSHOT, 1);
        LOG.info("{}: received snapshot [index {}] from {}", Ids.hex(config.memberId()),
                m.getSnapshot().getMetadata().getIndex(), Ids.hex(m.getFrom()));
        response.setStatus(HttpStatus.NO_CONTENT_204);
    }

    // ---- GET /raft/stream/{type}/{from}

    private void stream(Request request, Response response, String rest) throws IOException {
        if (!allow(request, response, Method.GET)) {
            return;
        }
        response.setHeader(PeerHeaders.SERVER_VERSION, config.serverVersion());
        if (!compatible(request, response)) {
            return;
        }
        int slash = rest.indexOf('/');
        PeerChannel type = slash < 0 ? null : switch (rest.substring(0, slash)) {
            case "message" -> PeerChannel.STREAM_MESSAGE;
            case "msgappv2" -> PeerChannel.STREAM_MSGAPP;
            default -> null;
        };
        if (type == null) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "invalid path", "unknown stream " + rest);
            return;
        }
        long from;
        try {
            from = Ids.parseHex(rest.substring(slash + 1));
        } catch (NumberFormatException e) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "invalid from", "bad member id in " + rest);
            return;
        }
        if (receiver.isRemoved(from)) {
            reject(request, response, HttpStatus.GONE_410, "removed member", "member " + Ids.hex(from) + " was removed");
            return;
        }
        Peer peer = transport.peer(from);
        if (peer == null) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "error sender not found", "member " + Ids.hex(from) + " is not a peer");
            return;
        }
        String to = request.getHeader(PeerHeaders.RAFT_TO);
        if (!Ids.hex(config.memberId()).equals(to)) {
            reject(request, response, HttpStatus.PRECONDITION_FAILED_412, "to field mismatch",
                    "stream addressed to " + to + ", this member is " + Ids.hex(config.memberId()));
            return;
        }
        response.setStatus(HttpStatus.OK_200);
        response.flush();
        peer.writer(type).serve(response.getOutputStream());
    }

    // ---- POST /members/promote/{decimal id}

    /**
     * etcd's peerMemberPromoteHandler: no cluster or sender checks (etcd's follower sends no peer
     * headers here). The receiver's future is awaited with the response suspended, bounded by the
     * request timeout; the answer is written on the transport's promote thread.
     */
    private void promote(Request request, Response response, String idText) throws IOException {
        if (!allow(request, response, Method.POST)) {
            return;
        }
        response.setHeader(PeerHeaders.CLUSTER_ID, Ids.hex(config.clusterId()));
        long id;
        try {
            id = MemberPromote.parseId(idText);
        } catch (NumberFormatException e) {
            // etcd: strconv.ParseUint fails -> 404 "member <id> not found in cluster"
            reject(request, response, HttpStatus.NOT_FOUND_404, "member " + idText + " not found in cluster", "not a decimal member id");
            return;
        }
        MemberPromote promote = transport.promote();
        if (!promote.acquireServer()) {
            reject(request, response, HttpStatus.INTERNAL_SERVER_ERROR_500, EtcdError.TOO_MANY_REQUESTS.message(),
                    MemberPromote.MAX_IN_FLIGHT + " promotes in flight");
            return;
        }
        CompletableFuture<List<Member>> future;
        try {
            future = receiver.promoteMember(id);
            if (future == null) {
                future = CompletableFuture.failedFuture(new IllegalStateException("the receiver returned no future"));
            }
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        String remote = request.getRemoteAddr() + ":" + request.getRemotePort();
        response.suspend();
        promote.bounded(future).whenCompleteAsync((members, failure) -> {
            try {
                if (failure == null) {
                    write(response, HttpStatus.OK_200, JSON, MembersJson.write(members));
                    LOG.info("{}: promoted member {} for {}", Ids.hex(config.memberId()), Ids.hex(id), remote);
                } else {
                    int status = MemberPromote.status(failure);
                    LOG.warn("{}: failed to promote member {} for {}: {} {}", Ids.hex(config.memberId()), Ids.hex(id), remote, status,
                            LeaderForwarding.unwrap(failure).toString());
                    response.setHeader("X-Content-Type-Options", "nosniff");
                    write(response, HttpStatus.getHttpStatus(status), TEXT_PLAIN, MemberPromote.text(failure) + "\n");
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: cannot answer the promote of {} to {}: {}", Ids.hex(config.memberId()), Ids.hex(id), remote, e.toString());
            } finally {
                promote.releaseServer();
                try {
                    response.resume();
                } catch (RuntimeException e) {
                    LOG.debug("{}: resuming the promote answer to {}: {}", Ids.hex(config.memberId()), remote, e.toString());
                }
            }
        }, promote.executor());
    }

    // ---- POST /leases, POST /leases/internal

    /**
     * etcd's leaseHandler: no cluster or sender checks (etcd's follower sends no peer headers
     * here); the receiver's future is awaited with the response suspended, bounded by the request
     * timeout, and the answer written on the transport's promote thread.
     */
    private void lease(Request request, Response response, String path) throws IOException {
        if (!allow(request, response, Method.POST)) {
            return;
        }
        ArrivedBody.read(request, response, LeaseForward.MAX_BODY, body -> lease(request, response, path, body),
                e -> reject(request, response, HttpStatus.BAD_REQUEST_400, "error reading body",
                        "reading the body: " + e.getMessage()));
    }

    /** Answers a lease request whose body is {@code body}; true when the answer is written later (suspended). */
    private boolean lease(Request request, Response response, String path, byte[] body) throws IOException {
        CompletableFuture<? extends com.google.protobuf.Message> answer;
        try {
            if (body.length > LeaseForward.MAX_BODY) {
                throw new com.google.protobuf.InvalidProtocolBufferException("body exceeds " + LeaseForward.MAX_BODY + " bytes");
            }
            if (path.equals(LeaseForward.RENEW)) {
                long id = LeaseKeepAliveRequest.parseFrom(body).getID();
                answer = receiver.renewLease(id).thenApply(ttl -> LeaseKeepAliveResponse.newBuilder().setID(id).setTTL(ttl).build());
            } else {
                LeaseTimeToLiveRequest ttl = LeaseInternalRequest.parseFrom(body).getLeaseTimeToLiveRequest();
                answer = receiver.leaseTimeToLive(ttl)
                        .thenApply(r -> LeaseInternalResponse.newBuilder().setLeaseTimeToLiveResponse(r).build());
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, LeaseForward.BAD_REQUEST, e.getMessage());
            return false;
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        LeaseForward leases = transport.leases();
        return answerLater(request, response, path, leases, answer, message -> message.toByteArray(),
                LeaseForward.PROTOBUF, LeaseForward::status, LeaseForward::text);
    }

    /**
     * Writes {@code answer} when it completes, on {@code forwarding}'s thread (the response is
     * suspended until then): 200 with {@code body} of the result as {@code contentType}, or the
     * status and text the failure maps to. Refuses with 400 {@code too many requests} when the
     * most requests {@code forwarding} allows are being served. True when the answer is written
     * later.
     */
    private <T> boolean answerLater(Request request, Response response, String path, LeaderForwarding forwarding,
            CompletableFuture<T> answer, Function<T, byte[]> body, String contentType,
            ToIntFunction<Throwable> status, Function<Throwable, String> text) throws IOException {
        if (!forwarding.acquireServer()) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, EtcdError.TOO_MANY_REQUESTS.message(),
                    "too many requests in flight on " + path);
            return false;
        }
        if (!response.isSuspended()) {
            response.suspend();
        }
        forwarding.bounded(answer).whenCompleteAsync((result, failure) -> {
            try {
                if (failure == null) {
                    byte[] bytes = body.apply(result);
                    response.setStatus(HttpStatus.OK_200);
                    response.setContentType(contentType);
                    response.setContentLength(bytes.length);
                    response.getOutputStream().write(bytes);
                } else {
                    response.setHeader("X-Content-Type-Options", "nosniff");
                    write(response, HttpStatus.getHttpStatus(status.applyAsInt(failure)), TEXT_PLAIN,
                            text.apply(failure) + "\n");
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: cannot answer a request on {}: {}", Ids.hex(config.memberId()), path, e.toString());
            } finally {
                forwarding.releaseServer();
                try {
                    response.resume();
                } catch (RuntimeException e) {
                    LOG.debug("{}: resuming an answer on {}: {}", Ids.hex(config.memberId()), path, e.toString());
                }
            }
        }, forwarding.executor());
        return true;
    }

    // ---- GET /members/hashkv

    private void hashKv(Request request, Response response) throws IOException {
        if (!allow(request, response, Method.GET)) {
            return;
        }
        // etcd's hashKVHandler checks only the cluster id, and answers 412 "clusterID mismatch"
        if (!Ids.hex(config.clusterId()).equals(request.getHeader(PeerHeaders.CLUSTER_ID))) {
            reject(request, response, HttpStatus.PRECONDITION_FAILED_412, HashKvForward.CLUSTER_ID_MISMATCH,
                    "cluster " + request.getHeader(PeerHeaders.CLUSTER_ID));
            return;
        }
        response.setHeader(PeerHeaders.CLUSTER_ID, Ids.hex(config.clusterId()));
        ArrivedBody.read(request, response, HashKvForward.MAX_BODY, body -> hashKv(request, response, body),
                e -> reject(request, response, HttpStatus.BAD_REQUEST_400, "error reading body",
                        "reading the body: " + e.getMessage()));
    }

    private boolean hashKv(Request request, Response response, byte[] body) throws IOException {
        HashKVRequest hashRequest;
        try {
            hashRequest = HashKvForward.parseRequest(body);
        } catch (IOException e) {
            reject(request, response, HttpStatus.BAD_REQUEST_400, e.getMessage(), e.getMessage());
            return false;
        }
        CompletableFuture<HashKVResponse> answer;
        try {
            answer = receiver.hashKV(hashRequest);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answerLater(request, response, HashKvForward.PATH, transport.hashes(), answer, HashKvForward::writeResponse,
                JSON, failure -> 400, HashKvForward::text);
    }

    // ---- checks

    private boolean allow(Request request, Response response, Method method) throws IOException {
        if (request.getMethod() == method) {
            return true;
        }
        response.setHeader("Allow", method.getMethodString());
        reject(request, response, HttpStatus.METHOD_NOT_ALLOWED_405, "Method Not Allowed", request.getMethod() + " not allowed");
        return false;
    }

    /** Sets the cluster id header and checks the version and cluster id headers (412 if they do not fit). */
    private boolean compatible(Request request, Response response) throws IOException {
        response.setHeader(PeerHeaders.CLUSTER_ID, Ids.hex(config.clusterId()));
        String why = PeerHeaders.incompatibility(request.getHeader(PeerHeaders.SERVER_VERSION),
                request.getHeader(PeerHeaders.MIN_CLUSTER_VERSION), request.getHeader(PeerHeaders.CLUSTER_ID), config);
        if (why == null) {
            return true;
        }
        reject(request, response, HttpStatus.PRECONDITION_FAILED_412, why,
                why + " (cluster " + request.getHeader(PeerHeaders.CLUSTER_ID) + ", version " + request.getHeader(PeerHeaders.SERVER_VERSION) + ")");
        return false;
    }

    /**
     * The message must come from the member the request says it comes from: the headers were
     * checked against the membership, the message's own {@code from} is what raft acts on.
     */
    private boolean fromSender(Request request, Response response, Message m) throws IOException {
        String header = request.getHeader(PeerHeaders.FROM);
        if (Ids.parseHex(header) == m.getFrom()) { // knownSender parsed it already
            return true;
        }
        reject(request, response, HttpStatus.BAD_REQUEST_400, "raft message sender mismatch",
                "a " + m.getType() + " from " + Ids.hex(m.getFrom()) + " sent by " + header);
        return false;
    }

    /** {@code X-Server-From} must name a member: 410 if it was removed, 404 if it is unknown. */
    private boolean knownSender(Request request, Response response) throws IOException {
        String header = request.getHeader(PeerHeaders.FROM);
        long from;
        try {
            from = Ids.parseHex(header);
        } catch (NumberFormatException e) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "error sender not found", "bad " + PeerHeaders.FROM + ": " + header);
            return false;
        }
        if (receiver.isRemoved(from)) {
            reject(request, response, HttpStatus.GONE_410, "removed member", "member " + header + " was removed");
            return false;
        }
        if (transport.peer(from) == null && !receiver.isMember(from)) {
            reject(request, response, HttpStatus.NOT_FOUND_404, "error sender not found", "member " + header + " is unknown");
            return false;
        }
        return true;
    }

    /**
     * Answers {@code status} with {@code text} and logs why. {@code reason} may quote the request's
     * path and headers: the log line escapes it.
     */
    private void reject(Request request, Response response, HttpStatus status, String text, String reason) throws IOException {
        String format = "{}: rejected peer request from {}:{}: {} {} -> {} ({})";
        Object[] args = {Ids.hex(config.memberId()), request.getRemoteAddr(), request.getRemotePort(),
                BadInputLog.escape(request.getMethod().getMethodString()), BadInputLog.escape(request.getRequestURI()), status.getStatusCode(),
                BadInputLog.escape(reason)};
        if (status.getStatusCode() < 500) {
            badInput.warn("peer request " + status.getStatusCode(), format, args);
        } else {
            LOG.warn(format, args);
        }
        response.setHeader("X-Content-Type-Options", "nosniff");
        write(response, status, TEXT_PLAIN, text + "\n");
    }

    private static void write(Response response, HttpStatus status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
