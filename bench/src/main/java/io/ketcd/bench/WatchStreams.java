package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Watch streams and their watchers: stream {@code s} on channel {@code s mod channels}, each
 * creating its watchers in order, local watcher {@code w} of stream {@code s} from
 * {@code creates.create(s, w)}.
 *
 * <p>Flow control both ways, so nothing is dropped and nothing piles up in the generator: a
 * stream sends its next create request only while grpc-java says the stream is ready (its
 * on-ready handler), and it takes responses as grpc-java's default does, one more after each is
 * handled, so a slow generator slows the server's sends (HTTP/2 flow control) instead of losing
 * events. The server answers a stream's creates in order, so the {@code k}-th created response
 * names the watch id of local watcher {@code k}, as etcd's clientv3 also relies on.
 */
final class WatchStreams implements AutoCloseable {
    /** The request that creates local watcher {@code watcher} of stream {@code stream}. */
    @FunctionalInterface
    interface Creates {
        WatchRequest create(int stream, int watcher);
    }

    /**
     * Told of every response with events, on the stream's transport thread, one call at a time per stream;
     * {@code receivedAt} is {@link System#nanoTime()} when the response arrived.
     */
    @FunctionalInterface
    interface Listener {
        void onEvents(int stream, int watcher, WatchResponse response, long receivedAt);
    }

    private final Stream[] streams;
    private final Creates creates;
    private final Listener listener;
    private final LongAdder created = new LongAdder();
    private final AtomicInteger failed = new AtomicInteger();
    private final ErrorTally errors = new ErrorTally();

    private WatchStreams(int count, Creates creates, Listener listener) {
        this.streams = new Stream[count];
        this.creates = creates;
        this.listener = listener;
    }

    /** Opens {@code count} streams, each creating {@code watchers} watchers as soon as it is ready. */
    static WatchStreams open(List<? extends Channel> channels, int count, int watchers, Creates creates,
            Listener listener) {
        WatchStreams all = new WatchStreams(count, creates, listener);
        for (int s = 0; s < count; s++) {
            all.streams[s] = all.new Stream(s);
        }
        for (int s = 0; s < count; s++) {
            Stream stream = all.streams[s];
            // no deadline: the workload bounds its phases and closes the streams itself
            ClientCalls.asyncBidiStreamingCall(channels.get(s % channels.size())
                    .newCall(WatchCalls.WATCH, CallOptions.DEFAULT.withWaitForReady()), stream);
            stream.want(watchers);
        }
        return all;
    }

    /** Raises every stream's watchers to {@code watchers}: the ones it lacks are created in order, as before. */
    void want(int watchers) {
        for (Stream s : streams) {
            s.want(watchers);
        }
    }

    /** Watchers the server confirmed (a created response) so far. */
    long created() {
        return created.sum();
    }

    /**
     * Waits until {@code watchers} watchers are created; false once {@code bound} passes or a stream fails first.
     * The generator's own wait, parking a millisecond at a time: it competes for the cores with the server.
     */
    boolean awaitCreated(long watchers, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (created() < watchers) {
            if (failed.get() > 0 || System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    /** Failures of the streams themselves (refused creates, cancels, streams ended by the server), by code. */
    Map<String, LoadRunner.ErrorCount> errors() {
        return errors.snapshot();
    }

    /** Cancels every stream: the server drops their watchers. */
    @Override
    public void close() {
        for (Stream s : streams) {
            s.close();
        }
    }

    private final class Stream implements ClientResponseObserver<WatchRequest, WatchResponse> {
        private final int index;
        /** Watch id to local watcher, in the order the creates were answered. */
        private final Map<Long, Integer> watchers = new HashMap<>();
        // guarded by this: sends come from the on-ready handler (transport thread) and from want (caller's thread)
        private ClientCallStreamObserver<WatchRequest> requests;
        private int wanted;
        private int sent;
        private boolean closed;

        Stream(int index) {
            this.index = index;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requests) {
            synchronized (this) {
                this.requests = requests;
            }
            requests.setOnReadyHandler(this::pump);
        }

        synchronized void want(int watchers) {
            wanted = Math.max(wanted, watchers);
            pump();
        }

        private synchronized void pump() {
            while (!closed && sent < wanted && requests.isReady()) {
                requests.onNext(creates.create(index, sent++));
            }
        }

        @Override
        public void onNext(WatchResponse response) {
            long receivedAt = System.nanoTime();
            if (response.getCreated()) {
                if (response.getCanceled()) {
                    fail("CREATE_REFUSED", response.getCancelReason());
                    return;
                }
                synchronized (this) {
                    watchers.put(response.getWatchId(), watchers.size());
                }
                created.increment();
                return;
            }
            if (response.getCanceled()) {
                // etcd cancels a watcher for compaction (compact_revision set) or with a reason
                fail("CANCELED", response.getCompactRevision() > 0
                        ? "compacted at " + response.getCompactRevision() : response.getCancelReason());
                return;
            }
            if (response.getEventsCount() == 0) {
                return; // a progress notice
            }
            Integer watcher;
            synchronized (this) {
                watcher = watchers.get(response.getWatchId());
            }
            if (watcher == null) {
                errors.add("UNKNOWN_WATCH_ID", "events for watch id " + response.getWatchId(), 1);
                return;
            }
            listener.onEvents(index, watcher, response, receivedAt);
        }

        private void fail(String code, String example) {
            errors.add(code, example, 1);
            failed.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                if (closed) {
                    return; // our own cancel
                }
                closed = true;
            }
            errors.add(t);
            failed.incrementAndGet();
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            fail(Status.Code.UNAVAILABLE.name(), "watch stream ended by the server");
        }

        synchronized void close() {
            if (!closed && requests != null) {
                closed = true;
                requests.cancel("benchmark done", null);
            }
        }
    }
}
