package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.proto.raftpb.Message;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * etcd's pipeline: {@code POST /raft}, one message per request, used while no stream writer is
 * attached. {@link #CONNECTIONS} threads of the peer take messages from one bounded queue, so at
 * most that many POSTs are in flight (and they may overtake each other, as in etcd).
 */
final class Pipeline {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pipeline.class);
    /** etcd's connPerPipeline. */
    static final int CONNECTIONS = 4;
    /** etcd's pipelineBufSize. */
    static final int QUEUE_BOUND = 64;

    private final long peerId;
    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final PeerClient client;
    private final Timeouts timeouts;
    private final UrlPicker picker;
    private final PeerStatus status;
    private final CountDownLatch stopped;
    private final PeerTransportImpl transport;
    private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_BOUND);

    Pipeline(long peerId, PeerTransportConfig config, RaftReceiver receiver, PeerClient client, Timeouts timeouts, UrlPicker picker,
            PeerStatus status, CountDownLatch stopped, PeerTransportImpl transport) {
        this.peerId = peerId;
        this.config = config;
        this.receiver = receiver;
        this.client = client;
        this.timeouts = timeouts;
        this.picker = picker;
        this.status = status;
        this.stopped = stopped;
        this.transport = transport;
    }

    boolean offer(Message m) {
        return queue.offer(m);
    }

    /** One of the {@link #CONNECTIONS} sending loops. */
    void runSender() {
        try {
            while (stopped.getCount() > 0) {
                Message m = queue.poll(100, TimeUnit.MILLISECONDS);
                if (m != null) {
                    post(m);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            queue.clear();
        }
    }

    private void post(Message m) throws InterruptedException {
        URI url = picker.pick();
        HttpRequest request = PeerHeaders.common(HttpRequest.newBuilder(url.resolve("/raft")), config)
                .header("Content-Type", "application/protobuf")
                .timeout(timeouts.requestTimeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(m.toByteArray()))
                .build();
        String failure;
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 204) {
                status.activate();
                transport.counted(transport.sent, PeerChannel.PIPELINE, 1);
                return;
            }
            failure = "peer answered " + response.statusCode() + " " + response.body().trim();
            if (response.statusCode() == 410 || response.statusCode() == 403) {
                LOG.error("{}: peer {} says this member was removed from the cluster ({})", Ids.hex(config.memberId()), Ids.hex(peerId),
                        response.body().trim());
            }
            if (response.statusCode() != 503) {
                picker.unreachable(url);
            }
        } catch (IOException e) {
            picker.unreachable(url);
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (stopped.getCount() == 0) {
            return;
        }
        status.deactivate("pipeline", failure);
        receiver.reportUnreachable(peerId);
    }
}
