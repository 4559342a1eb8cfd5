package io.ketcd.server;

import io.ketcd.api.EtcdException;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The client end of a watch stream as a transport would be, for the server's tests: it queues
 * what it receives, passes requests on only when the member asks for one (as gRPC's manual flow
 * control does), and can stop being ready, as a client that does not read.
 */
public final class RecordingWatchClient implements WatchClient {
    private final BlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();
    private final Deque<WatchRequest> unsent = new ArrayDeque<>();
    private final CompletableFuture<EtcdException> ended = new CompletableFuture<>();
    private int asked;
    private volatile boolean ready = true;
    private WatchSession session;

    /** Opens a stream on {@code service} for this client. */
    public RecordingWatchClient open(io.ketcd.api.service.WatchService service) {
        WatchSession s = service.open(this);
        synchronized (this) {
            session = s;
        }
        flush();
        return this;
    }

    /** Queues {@code request}; it goes to the member when the member asks for one. */
    public void request(WatchRequest request) {
        synchronized (this) {
            unsent.add(request);
        }
        flush();
    }

    private void flush() {
        while (true) {
            WatchRequest next;
            WatchSession s;
            synchronized (this) {
                if (session == null || asked == 0 || unsent.isEmpty()) {
                    return;
                }
                asked--;
                next = unsent.poll();
                s = session;
            }
            s.request(next);
        }
    }

    /** The next response, within {@code bound}; an assertion error when none comes. */
    public WatchResponse next(Duration bound) throws InterruptedException {
        WatchResponse r = received.poll(bound.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no watch response within " + bound);
        }
        return r;
    }

    /** The next response if one comes within {@code bound}, else null. */
    public WatchResponse poll(Duration bound) throws InterruptedException {
        return received.poll(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** How many requests wait for the member to ask for them. */
    public synchronized int unsentRequests() {
        return unsent.size();
    }

    public int queued() {
        return received.size();
    }

    /** Stops or resumes reading, as a client whose transport window is full or free again. */
    public void ready(boolean now) {
        ready = now;
        WatchSession s;
        synchronized (this) {
            s = session;
        }
        if (now && s != null) {
            s.clientReady();
        }
    }

    /** The client goes away. */
    public void close() {
        WatchSession s;
        synchronized (this) {
            s = session;
        }
        if (s != null) {
            s.close();
        }
    }

    /** Completes with the error the member ended the stream with (null: ended normally). */
    public CompletableFuture<EtcdException> ended() {
        return ended;
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void send(WatchResponse response) {
        received.add(response);
    }

    @Override
    public void requestNext() {
        synchronized (this) {
            asked++;
        }
        flush();
    }

    @Override
    public void end(EtcdException error) {
        ended.complete(error);
    }
}
