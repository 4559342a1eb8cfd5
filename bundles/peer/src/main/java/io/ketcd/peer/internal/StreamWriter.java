package io.ketcd.peer.internal;

import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending end of one stream to one peer (etcd's streamWriter). The peer's {@code GET
 * /raft/stream/...} attaches its response body here; the Grizzly thread serving that request
 * then writes this member's queued messages to the peer, batched and flushed, and a link
 * heartbeat whenever it has been idle for {@link Timeouts#linkHeartbeat()}. A new GET replaces
 * the attached one. Messages still queued when the connection breaks are dropped (raft resends).
 */
final class StreamWriter {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);
    /** etcd's streamBufSize. */
    static final int QUEUE_BOUND = 4096;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PeerChannel channel;
    private final long localId;
    private final long peerId;
    private final PeerStatus status;
    private final RaftReceiver receiver;
    private final Timeouts timeouts;
    private final PeerTransportImpl transport;
    private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_BOUND);

    /** The serving request's connection, null while none is attached. */
    private volatile Conn current;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong attachments = new java.util.concurrent.atomic.AtomicLong();

    private static final class Conn {
        volatile boolean stopped;
    }

    StreamWriter(PeerChannel channel, long localId, long peerId, PeerStatus status, RaftReceiver receiver, Timeouts timeouts,
            PeerTransportImpl transport) {
        this.channel = channel;
        this.localId = localId;
        this.peerId = peerId;
        this.status = status;
        this.receiver = receiver;
        this.timeouts = timeouts;
        this.transport = transport;
    }

    boolean attached() {
        return current != null;
    }

    /** How many connections have been attached so far. */
    long attachments() {
        return attachments.get();
    }

    /** Queues a message for the attached connection; false if the queue is full. */
    boolean offer(Message m) {
        return queue.offer(m);
    }

    /** Serves one attached connection until it breaks, is replaced or the writer closes. */
    void serve(OutputStream out) {
        Conn conn = new Conn();
        synchronized (this) {
            if (closed) {
                return;
            }
            Conn old = current;
            if (old != null) {
                old.stopped = true;
            }
            current = conn;
        }
        attachments.incrementAndGet();
        LOG.info("{}: established {} stream to peer {}", Ids.hex(localId), channel.streamType(), Ids.hex(peerId));
        status.activate();
        long heartbeatNanos = timeouts.linkHeartbeat().toNanos();
        long lastWrite = System.nanoTime();
        Frames.Batch batch = new Frames.Batch();
        try {
            while (!conn.stopped) {
                Message m = queue.poll(Math.min(POLL_NANOS, heartbeatNanos), TimeUnit.NANOSECONDS);
                if (m == null) {
                    if (System.nanoTime() - lastWrite >= heartbeatNanos) {
                        Frames.write(out, Frames.LINK_HEARTBEAT);
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                    continue;
                }
                int batched = 0;
                do {
                    batch.add(m);
                    batched++;
                    if (batch.full()) {
                        batch.writeTo(out);
                    }
                } while (batched < QUEUE_BOUND / 2 && (m = queue.poll()) != null);
                if (!batch.isEmpty()) {
                    batch.writeTo(out);
                }
                out.flush();
                transport.counted(transport.sent, channel, batched);
                lastWrite = System.nanoTime();
            }
        } catch (IOException e) {
            status.deactivate(channel.streamType() + " stream writer", String.valueOf(e.getMessage()));
            receiver.reportUnreachable(peerId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            boolean wasCurrent;
            synchronized (this) {
                wasCurrent = current == conn;
                if (wasCurrent) {
                    current = null;
                }
            }
            if (wasCurrent) {
                int dropped = queue.size();
                queue.clear();
                if (dropped > 0) {
                    receiver.reportUnreachable(peerId);
                }
                LOG.info("{}: {} stream to peer {} closed ({} queued messages dropped)", Ids.hex(localId), channel.streamType(),
                        Ids.hex(peerId), dropped);
            }
        }
    }

    /** Detaches the connection (its request ends) and refuses new ones. */
    void close() {
        synchronized (this) {
            closed = true;
            Conn c = current;
            if (c != null) {
                c.stopped = true;
            }
        }
        queue.clear();
    }
}
