package io.ketcd.peer.internal;

import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.SplittableRandom;

/**
 * One remote member (etcd's peer): its status, URL picker, the two stream writers its GETs
 * attach to, the two stream readers that dial it and the pipeline. Owns
 * {@code 2 + Pipeline.CONNECTIONS} threads, named {@code ketcd-peer-<local>-to-<peer>-<n>},
 * started by the constructor and stopped by {@link #close()}.
 */
final class Peer implements AutoCloseable {
    private final long id;
    private final RaftReceiver receiver;
    private final PeerStatus status;
    private final UrlPicker picker;
    private final StreamWriter messageWriter;
    private final StreamWriter msgAppWriter;
    private final StreamReader messageReader;
    private final StreamReader msgAppReader;
    private final Pipeline pipeline;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ThreadPoolExecutor threads;

    Peer(long id, List<URI> urls, PeerTransportConfig config, RaftReceiver receiver, PeerClient client, Timeouts timeouts,
            SplittableRandom random, Clock clock, PeerTransportImpl transport) {
        this.id = id;
        this.receiver = receiver;
        this.status = new PeerStatus(config.memberId(), id, clock);
        this.picker = new UrlPicker(urls);
        this.messageWriter = new StreamWriter(PeerChannel.STREAM_MESSAGE, config.memberId(), id, status, receiver, timeouts, transport);
        this.msgAppWriter = new StreamWriter(PeerChannel.STREAM_MSGAPP, config.memberId(), id, status, receiver, timeouts, transport);
        this.messageReader = new StreamReader(PeerChannel.STREAM_MESSAGE, id, config, receiver, client, timeouts, picker, status,
                new Backoff(timeouts.backoffMin(), timeouts.backoffMax(), random.split()), stopped, transport);
        this.msgAppReader = new StreamReader(PeerChannel.STREAM_MSGAPP, id, config, receiver, client, timeouts, picker, status,
                new Backoff(timeouts.backoffMin(), timeouts.backoffMax(), random.split()), stopped, transport);
        this.pipeline = new Pipeline(id, config, receiver, client, timeouts, picker, status, stopped, transport);
        int n = 2 + Pipeline.CONNECTIONS;
        this.threads = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1),
                new NamedThreads("ketcd-peer-" + Ids.hex(config.memberId()) + "-to-" + Ids.hex(id)));
        threads.execute(messageReader);
        threads.execute(msgAppReader);
        for (int i = 0; i < Pipeline.CONNECTIONS; i++) {
            threads.execute(pipeline::runSender);
        }
    }

    long id() {
        return id;
    }

    PeerStatus status() {
        return status;
    }

    UrlPicker picker() {
        return picker;
    }

    StreamWriter writer(PeerChannel stream) {
        return stream == PeerChannel.STREAM_MSGAPP ? msgAppWriter : messageWriter;
    }

    /**
     * etcd's peer.pick and send: {@code MsgApp} on the msgappv2 stream, other types on the
     * message stream, the pipeline while no stream is attached. Never blocks; a full queue drops
     * the message and reports the peer unreachable.
     */
    void send(Message m) {
        StreamWriter writer = m.getType() == MessageType.MsgApp && msgAppWriter.attached() ? msgAppWriter
                : messageWriter.attached() ? messageWriter : null;
        boolean queued = writer != null ? writer.offer(m) : pipeline.offer(m);
        if (!queued) {
            receiver.reportUnreachable(id);
            status.dropped(writer != null ? writer == msgAppWriter ? "msgappv2 stream" : "message stream" : "pipeline",
                    writer != null ? StreamWriter.QUEUE_BOUND : Pipeline.QUEUE_BOUND);
        }
    }

    void update(List<URI> urls) {
        picker.update(urls);
    }

    /** Stops the readers, pipeline and writers; waits (bounded) for the peer's threads to end. */
    @Override
    public void close() {
        stopped.countDown();
        messageWriter.close();
        msgAppWriter.close();
        messageReader.abort();
        msgAppReader.abort();
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
