package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.mvcc.internal.Bytes;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The watchers of one client stream and the bounded queue their batches wait in until the
 * stream's consumer takes them (etcd's {@code mvcc.watchStream} and its channel). The store never
 * waits for a consumer: when the queue is full, a watcher is held back as a victim and resent
 * later, so a client that does not read costs writers nothing and the stream a bounded amount
 * of memory.
 *
 * <p>Thread-safe. {@link #poll} is for the one consumer; {@code onBatch} is called, without
 * waiting, from the store's threads whenever a batch was queued, and must not block.
 */
public final class WatchStream implements AutoCloseable {
    /** etcd's {@code chanBufLen}: batches queued per stream before its watchers are held back. */
    static final int QUEUE_LENGTH = 128;

    private final WatchableStore store;
    private final Runnable onBatch;
    private final ArrayBlockingQueue<WatchBatch> queue = new ArrayBlockingQueue<>(QUEUE_LENGTH);
    private final Map<Long, Watcher> watchers = new HashMap<>();
    private long nextId;
    /** Written under this stream's lock; read without it by {@link #offer}, which the store calls holding its own. */
    private volatile boolean closed;

    WatchStream(WatchableStore store, Runnable onBatch) {
        this.store = store;
        this.onBatch = onBatch;
    }

    /**
     * Starts a watcher of {@code key} and {@code rangeEnd} (etcd's request fields: empty for one
     * key, {@code "\0"} for every key from {@code key} on) at {@code startRev}; 0 for
     * {@code startRev} is the next revision. Its events come in batches of this stream.
     *
     * @param id the id the client chose, or 0 to take the lowest free one from a counter, as
     *     etcd does
     * @return the watcher's id
     * @throws WatchRefusedException when the range is empty, the id is taken or the stream closed
     */
    public long watch(long id, ByteString key, ByteString rangeEnd, long startRev, boolean noPut, boolean noDelete)
            throws WatchRefusedException {
        return watch(id, key, rangeEnd, startRev, noPut, noDelete, null);
    }

    /**
     * {@link #watch(long, ByteString, ByteString, long, boolean, boolean)} with {@code attachment}
     * handed back in each of the watcher's batches, so that the caller needs no map of its own
     * from watcher ids to what it keeps per watcher.
     */
    public long watch(long id, ByteString key, ByteString rangeEnd, long startRev, boolean noPut, boolean noDelete,
                      Object attachment) throws WatchRefusedException {
        ByteString end = Bytes.indexEnd(rangeEnd);
        if (end != null && !end.isEmpty() && Bytes.ORDER.compare(key, end) >= 0) {
            throw new WatchRefusedException(WatchRefusedException.EMPTY_RANGE);
        }
        synchronized (this) {
            if (closed) {
                throw new WatchRefusedException(WatchRefusedException.EMPTY_RANGE);
            }
            if (id == 0) {
                while (watchers.containsKey(nextId)) {
                    nextId++;
                }
                id = nextId++;
            } else if (watchers.containsKey(id)) {
                throw new WatchRefusedException(WatchRefusedException.DUPLICATE_ID);
            }
            watchers.put(id, store.watch(id, key, end, startRev, noPut, noDelete, this, attachment));
            return id;
        }
    }

    /** Ends watcher {@code id}; false when this stream has no such watcher. */
    public boolean cancel(long id) {
        Watcher w;
        synchronized (this) {
            w = closed ? null : watchers.get(id);
        }
        if (w == null) {
            return false;
        }
        store.cancel(w);
        // the store sends it nothing more; what it sent and is still queued goes too, so that a
        // watcher taking the same id later gets none of it
        queue.removeIf(b -> b.watchId() == id);
        synchronized (this) {
            watchers.remove(id, w);
        }
        return true;
    }

    /** What was attached to watcher {@code id} when it started; null when none, or no such watcher. */
    public synchronized Object attachment(long id) {
        Watcher w = watchers.get(id);
        return w == null ? null : w.attachment;
    }

    /** Queues a progress notice for watcher {@code id} if it has seen everything so far (etcd: synced). */
    public void requestProgress(long id) {
        Watcher w;
        synchronized (this) {
            w = watchers.get(id);
        }
        if (w != null) {
            store.progress(w);
        }
    }

    /** The store's current revision. */
    public long revision() {
        return store.revision();
    }

    /** The next queued batch, or null when none is queued. */
    public WatchBatch poll() {
        WatchBatch b = queue.poll();
        if (b != null) {
            store.streamHasRoom();
        }
        return b;
    }

    /**
     * Moves every queued batch, in queue order, to {@code into}; returns how many. One call per
     * round of sending rather than one {@link #poll} per batch: the queue's lock and the store's
     * wake-up are paid once.
     */
    public int pollAll(Collection<? super WatchBatch> into) {
        int n = queue.drainTo(into);
        if (n > 0) {
            store.streamHasRoom();
        }
        return n;
    }

    /** How many batches wait in the queue. */
    int queued() {
        return queue.size();
    }

    /** Queues {@code batch} without waiting; false when the queue is full. A closed stream drops it. */
    boolean offer(WatchBatch batch) {
        if (closed) {
            return true;
        }
        if (!queue.offer(batch)) {
            return false;
        }
        onBatch.run();
        return true;
    }

    /** Ends every watcher of the stream; batches still queued are dropped. */
    @Override
    public void close() {
        Map<Long, Watcher> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = Map.copyOf(watchers);
            watchers.clear();
        }
        all.values().forEach(store::cancel);
        queue.clear();
    }
}
