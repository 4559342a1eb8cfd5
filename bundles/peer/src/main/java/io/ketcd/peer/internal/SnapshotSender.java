package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's snapshotSender: one {@code POST /raft/snapshot} per snapshot, the {@code MsgSnap} frame
 * followed by the payload in chunks, streamed through a {@link BoundedPipe} so that the payload
 * is written only as fast as the network takes it. The outcome goes to {@link
 * RaftReceiver#reportSnapshot}; the payload is closed either way. A failed send changes nothing
 * on the receiving side (it verifies the whole payload before applying), so raft simply sends a
 * new snapshot later.
 */
final class SnapshotSender {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
    private static final int PIPE_BYTES = 256 << 10;

    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final PeerClient client;
    private final Timeouts timeouts;

    SnapshotSender(PeerTransportConfig config, RaftReceiver receiver, PeerClient client, Timeouts timeouts) {
        this.config = config;
        this.receiver = receiver;
        this.client = client;
        this.timeouts = timeouts;
    }

    /** The snapshot's own payload failed while being written. */
    private static final class LocalPayloadException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LocalPayloadException(Throwable cause) {
            super(cause);
        }
    }

    /** Sends on the calling thread (a thread of the transport's snapshot executor). */
    void send(Peer peer, Message message, SnapshotPayload payload) {
        long to = message.getTo();
        boolean failed = true;
        boolean peerFault = false;
        URI url = peer.picker().pick();
        BoundedPipe pipe = new BoundedPipe(PIPE_BYTES, timeouts.requestTimeout());
        try {
            HttpRequest request = PeerHeaders.common(HttpRequest.newBuilder(url.resolve("/raft/snapshot")), config)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> pipe.source))
                    .build();
            CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            // an early answer (or a broken connection) stops the payload writer instead of leaving it blocked
            answer.whenComplete((r, e) -> pipe.fail(new IOException(e != null ? "request failed: " + e.getMessage()
                    : "the peer answered " + r.statusCode() + " before the payload was sent")));
            long bytes;
            try {
                OutputStream out = pipe.sink;
                Frames.write(out, message);
                SnapshotChunks.Writer chunks = new SnapshotChunks.Writer(out);
                payload.writeTo(chunks);
                chunks.finish();
                bytes = chunks.total();
                out.close();
            } catch (IOException | RuntimeException e) {
                pipe.fail(e instanceof IOException io ? io : new IOException(e));
                if (answer.isDone() || pipe.failedByReader()) {
                    throw new IOException("connection to the peer failed: " + e.getMessage(), e);
                }
                // the payload itself failed: the peer is not to blame, raft retries later
                throw new LocalPayloadException(e);
            }
            HttpResponse<String> response = answer.get(timeouts.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (response.statusCode() == 204) {
                failed = false;
                peer.status().activate();
                LOG.info("{}: sent snapshot [index {}, {} bytes] to {}", Ids.hex(config.memberId()),
                        message.getSnapshot().getMetadata().getIndex(), bytes, Ids.hex(to));
            } else {
                LOG.warn("{}: snapshot to {} refused: {} {}", Ids.hex(config.memberId()), Ids.hex(to), response.statusCode(),
                        response.body().trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("{}: snapshot to {} interrupted", Ids.hex(config.memberId()), Ids.hex(to));
        } catch (LocalPayloadException e) {
            LOG.warn("{}: snapshot to {} failed: the payload could not be written: {}", Ids.hex(config.memberId()), Ids.hex(to),
                    String.valueOf(e.getCause()));
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warn("{}: snapshot to {} failed: {}", Ids.hex(config.memberId()), Ids.hex(to), String.valueOf(cause));
            peerFault = true;
            peer.picker().unreachable(url);
            peer.status().deactivate("snapshot sender", String.valueOf(cause.getMessage()));
        } finally {
            pipe.fail(new IOException("snapshot send finished"));
            try {
                payload.close();
            } finally {
                if (peerFault) {
                    receiver.reportUnreachable(to);
                }
                receiver.reportSnapshot(to, failed);
            }
        }
    }
}
