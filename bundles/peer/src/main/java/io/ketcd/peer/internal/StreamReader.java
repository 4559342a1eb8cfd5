package io.ketcd.peer.internal;

import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of one stream from one peer (etcd's streamReader): dials the peer's {@code
 * GET /raft/stream/<type>/<localIdHex>} on a {@link StreamConnection} of its own, hands every
 * message the peer writes to the receiver, and redials with backoff when the stream fails or
 * stays silent for {@link Timeouts#connReadTimeout()}. Runs on one thread of its {@link Peer},
 * which also reads the socket.
 */
final class StreamReader implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);

    private final PeerChannel channel;
    private final long peerId;
    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final PeerClient client;
    private final Timeouts timeouts;
    private final UrlPicker picker;
    private final PeerStatus status;
    private final Backoff backoff;
    private final CountDownLatch stopped;
    private final PeerTransportImpl transport;
    private volatile StreamConnection connection;

    StreamReader(PeerChannel channel, long peerId, PeerTransportConfig config, RaftReceiver receiver, PeerClient client, Timeouts timeouts,
            UrlPicker picker, PeerStatus status, Backoff backoff, CountDownLatch stopped, PeerTransportImpl transport) {
        this.channel = channel;
        this.peerId = peerId;
        this.config = config;
        this.receiver = receiver;
        this.client = client;
        this.timeouts = timeouts;
        this.picker = picker;
        this.status = status;
        this.backoff = backoff;
        this.stopped = stopped;
        this.transport = transport;
    }

    @Override
    public void run() {
        String source = channel.streamType() + " stream reader";
        try {
            while (stopped.getCount() > 0) {
                URI url = picker.pick();
                try {
                    readFrom(url);
                } catch (InterruptedIOException e) {
                    if (stopped.getCount() == 0) {
                        return;
                    }
                    picker.unreachable(url);
                    status.deactivate(source, String.valueOf(e.getMessage()));
                } catch (IOException e) {
                    if (stopped.getCount() == 0) {
                        return;
                    }
                    picker.unreachable(url);
                    status.deactivate(source, e.getMessage() == null ? e.toString() : e.getMessage());
                }
                if (stopped.await(backoff.next(), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readFrom(URI url) throws IOException {
        Map<String, String> headers = PeerHeaders.common(config);
        headers.put(PeerHeaders.RAFT_TO, Ids.hex(peerId));
        URI streamUrl = url.resolve("/raft/stream/" + channel.streamType() + "/" + Ids.hex(config.memberId()));
        if (stopped.getCount() == 0) {
            return;
        }
        StreamConnection stream = client.openStream(streamUrl, headers, timeouts.connReadTimeout(), transport.timers());
        connection = stream;
        try {
            if (stopped.getCount() == 0) {
                return;
            }
            int code = stream.status();
            if (code != 200) {
                // the peer's words, escaped: they go into log lines
                String text = BadInputLog.escape(new String(stream.body().readNBytes(256), StandardCharsets.UTF_8).trim());
                if (code == 410) {
                    LOG.error("{}: peer {} says this member was removed from the cluster ({})", Ids.hex(config.memberId()),
                            Ids.hex(peerId), text);
                }
                throw new IOException("peer answered " + code + " " + text + " to " + streamUrl);
            }
            backoff.reset();
            status.activate();
            LOG.debug("{}: {} stream from peer {} open", Ids.hex(config.memberId()), channel.streamType(), Ids.hex(peerId));
            InputStream body = stream.body();
            while (stopped.getCount() > 0) {
                Message m = Frames.read(body);
                if (m == null) {
                    throw new IOException("the peer closed the stream");
                }
                if (Frames.isLinkHeartbeat(m)) {
                    continue;
                }
                if (m.getFrom() != peerId) {
                    // what we read on peer A's stream is A's to send, never another member's
                    throw new IOException("peer " + Ids.hex(peerId) + " sent a " + m.getType() + " from " + Ids.hex(m.getFrom()));
                }
                if (receiver.process(m)) {
                    transport.counted(transport.received, channel, 1);
                } else {
                    LOG.debug("{}: dropped a {} from {}: the receiver is busy", Ids.hex(config.memberId()), m.getType(), Ids.hex(peerId));
                }
            }
        } finally {
            connection = null;
            stream.close();
        }
    }

    /** Breaks the current stream (the thread notices the stop latch). */
    void abort() {
        StreamConnection c = connection;
        if (c != null) {
            c.close();
        }
    }
}
