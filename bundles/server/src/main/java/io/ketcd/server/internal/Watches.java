package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.api.EtcdException;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.mvcc.KvStore;
import io.ketcd.mvcc.WatchableStore;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.mvccpb.KeyValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.LongFunction;

/**
 * The watch streams of one member: its {@link WatchableStore} over the applied key-value store,
 * the streams open on it, the threads that send their responses and their progress ticks.
 * Closing ends every stream with "server stopped", so that clients re-watch (from their last
 * revision + 1) on the member that starts next.
 */
final class Watches implements AutoCloseable {
    /** etcd's {@code grpcOverheadBytes}: a fragmented response may exceed max-request-bytes by this much. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final CurrentState state;
    private final LongFunction<ResponseHeader> header;
    private final int maxResponseBytes;
    private volatile Duration progressInterval;
    /** Each open stream's progress ticks, rescheduled when the interval changes. */
    private final Map<ServerWatchStream, ScheduledFuture<?>> progressTicks = new ConcurrentHashMap<>();
    private final WatchableStore store;
    private final ExecutorService sender;
    private final ScheduledExecutorService ticks;
    private final Set<ServerWatchStream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param header etcd's response header for a revision: this member's ids and its current term
     * @param progressInterval etcd's {@code experimental-watch-progress-notify-interval}
     */
    Watches(CurrentState state, LongFunction<ResponseHeader> header, int maxRequestBytes, Duration progressInterval) {
        this.state = state;
        this.header = header;
        this.maxResponseBytes = maxRequestBytes + GRPC_OVERHEAD_BYTES;
        this.progressInterval = progressInterval;
        this.store = new WatchableStore(new WatchableStore.StoreAccess() {
            @Override
            public <T> T read(Function<KvStore, T> read) {
                return state.read(s -> read.apply(s.kv()));
            }
        }, new NamedThreads("ketcd-watch-sync"));
        // sending is serialization and socket writes: as many threads as cores, never more
        this.sender = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
                new NamedThreads("ketcd-watch-send"));
        this.ticks = Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-watch-progress"));
        store.attach(state.get().kv());
    }

    /** Watches the store of a state installed from a snapshot; its watchers catch up from its history. */
    void attach(KvStore kv) {
        store.attach(kv);
    }

    WatchSession open(WatchClient client, Predicate<WatchCreateRequest> permitted) {
        ServerWatchStream s = new ServerWatchStream(new ServerWatchStream.Member() {
            @Override
            public ResponseHeader header(long revision) {
                return header.apply(revision);
            }

            @Override
            public KeyValue valueAt(ByteString key, long revision) {
                return Watches.this.valueAt(key, revision);
            }
        }, client, sender, maxResponseBytes, store::newStream, permitted);
        open.add(s);
        s.onClose(() -> open.remove(s));
        if (closed) {
            s.end(EtcdError.STOPPED.exception());
            return s;
        }
        scheduleProgress(s);
        s.onClose(() -> {
            ScheduledFuture<?> tick = progressTicks.remove(s);
            if (tick != null) {
                tick.cancel(false);
            }
        });
        s.start();
        return s;
    }

    /** Under the lock of {@link #progressTicks}, so that a stream opening while the interval changes gets the new one. */
    private void scheduleProgress(ServerWatchStream s) {
        synchronized (progressTicks) {
            scheduleProgress(s, progressInterval);
        }
    }

    private void scheduleProgress(ServerWatchStream s, Duration interval) {
        // etcd adds up to a tenth of the interval, so that streams opened together do not tick together
        long period = interval.toMillis();
        long jitter = period / 10 > 0 ? ThreadLocalRandom.current().nextLong(period / 10) : 0;
        ScheduledFuture<?> tick = ticks.scheduleAtFixedRate(s::progressTick, period + jitter, period + jitter,
                TimeUnit.MILLISECONDS);
        ScheduledFuture<?> before = progressTicks.put(s, tick);
        if (before != null) {
            before.cancel(false);
        }
        if (!open.contains(s)) {
            // closed meanwhile, after its close action looked for a tick to cancel
            progressTicks.remove(s, tick);
            tick.cancel(false);
        }
    }

    /**
     * Sends progress notices at {@code interval} from now on, on open streams too (etcd reads its
     * interval once, at start; ketcd takes a new one live).
     */
    void progressInterval(Duration interval) {
        synchronized (progressTicks) {
            if (interval.equals(progressInterval)) {
                return;
            }
            progressInterval = interval;
            for (ServerWatchStream s : List.copyOf(progressTicks.keySet())) {
                scheduleProgress(s, interval);
            }
        }
    }

    private KeyValue valueAt(ByteString key, long revision) {
        try {
            RangeResponse r = state.read(st -> st.kv().range(RangeRequest.newBuilder().setKey(key).setRevision(revision)
                    .build()));
            return r.getKvsCount() == 0 ? null : r.getKvs(0);
        } catch (EtcdException e) {
            return null; // compacted away: etcd sends the event without it
        }
    }

    /** How many streams are open, for tests. */
    int openStreams() {
        return open.size();
    }

    @Override
    public void close() {
        closed = true;
        EtcdException stopped = EtcdError.STOPPED.exception();
        for (ServerWatchStream s : List.copyOf(open)) {
            s.end(stopped);
        }
        store.close();
        ticks.shutdownNow();
        sender.shutdown();
        try {
            if (!sender.awaitTermination(10, TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
