package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.proto.mvccpb.Event;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * etcd's watchable store: delivers the changes of a {@link KvStore} to watchers, each from its
 * start revision, in revision order, with nothing missed and nothing twice.
 *
 * <p>As in etcd, a watcher is in one of three places. <em>Synced</em> watchers have seen every
 * change so far; the writer hands each new change to those it concerns. <em>Unsynced</em> ones
 * (started in the past, or held back) catch up from the store's history on this store's own
 * thread, at most {@value #MAX_REVISIONS_PER_SYNC} revisions and {@value #MAX_WATCHERS_PER_SYNC}
 * watchers per round, without holding up writers while they read. <em>Victims</em> found their
 * stream's queue full: they keep the one batch they could not deliver and are retried when
 * their stream has room, then go back to the unsynced or synced group. A watcher whose next
 * revision is at or below the compaction revision is ended with a compaction notice.
 *
 * <p>Thread-safe. Writers call in through {@link KvStore.ChangeListener} on the store's writer
 * thread and never wait for a consumer.
 */
public final class WatchableStore implements AutoCloseable {
    /** How many unsynced watchers one round catches up (etcd's {@code maxWatchersPerSync}). */
    static final int MAX_WATCHERS_PER_SYNC = 512;
    /** How many revisions one round reads, bounding memory and time per round (etcd's {@code watchBatchMaxRevs}). */
    static final int MAX_REVISIONS_PER_SYNC = 1000;
    private static final long VICTIM_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long UNSYNCED_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Runs reads on the store in use, so that none runs on a store being replaced. */
    public interface StoreAccess {
        <T> T read(Function<KvStore, T> read);
    }

    private final StoreAccess access;
    private final Object lock = new Object();
    private final WatcherGroup synced = new WatcherGroup();
    private final WatcherGroup unsynced = new WatcherGroup();
    /** Held-back watchers with the batch each could not deliver, in the order they were held. */
    private final Map<Watcher, List<Event>> victims = new LinkedHashMap<>();
    /** The store the writer notifies from; replaced when a snapshot is installed. */
    private volatile KvStore kv;
    private volatile boolean anySynced;
    /** The last revision handed to the synced watchers; guarded by the lock. */
    private long lastDelivered;
    private volatile boolean anyVictims;
    /** Set when a consumer woke the syncer for the victims; cleared when a round starts. */
    private volatile boolean roomSignalled;
    private volatile boolean closed;
    private final Thread syncer;

    private final KvStore.ChangeListener listener = new KvStore.ChangeListener() {
        @Override
        public boolean listening() {
            return anySynced;
        }

        @Override
        public void changed(long revision, List<Event> events) {
            deliver(revision, events);
        }
    };

    /**
     * @param access reads on the store in use (the server's, which a snapshot replaces)
     * @param threads makes the thread that catches watchers up
     */
    public WatchableStore(StoreAccess access, ThreadFactory threads) {
        this.access = access;
        this.syncer = threads.newThread(this::syncLoop);
        this.syncer.setDaemon(true);
    }

    /**
     * Watches {@code store}'s changes from now on. Called once with the first store, then with
     * each store that replaces it (a snapshot installed): watchers that had seen everything catch
     * up from the new store's history.
     */
    public void attach(KvStore store) {
        synchronized (lock) {
            KvStore previous = kv;
            kv = store;
            store.onChange(listener);
            if (previous != null) {
                previous.onChange((rev, events) -> { });
                long seen = previous.currentRevision();
                for (Watcher w : List.copyOf(synced.watchers())) {
                    synced.delete(w);
                    w.minRev = Math.max(w.minRev, seen + 1);
                    unsynced.add(w);
                }
                anySynced = false;
            }
        }
        if (syncer.getState() == Thread.State.NEW) {
            syncer.start();
        } else {
            LockSupport.unpark(syncer);
        }
    }

    /** A new client stream; {@code onBatch} is run, without blocking, each time a batch is queued on it. */
    public WatchStream newStream(Runnable onBatch) {
        return new WatchStream(this, onBatch);
    }

    /** The store's current revision. */
    public long revision() {
        return kv.currentRevision();
    }

    Watcher watch(long id, ByteString key, ByteString end, long startRev, boolean noPut, boolean noDelete,
                  WatchStream stream, Object attachment) {
        synchronized (lock) {
            long current = revisionForSyncing();
            boolean upToDate = startRev == 0 || startRev > current;
            Watcher w = new Watcher(id, key, end, noPut, noDelete, upToDate ? Math.max(current + 1, startRev) : startRev,
                    stream, attachment);
            if (upToDate) {
                addSynced(w);
            } else {
                unsynced.add(w);
            }
            listenIfSynced();
            if (!upToDate) {
                LockSupport.unpark(syncer);
            }
            return w;
        }
    }

    void cancel(Watcher w) {
        synchronized (lock) {
            if (!synced.delete(w)) {
                if (!unsynced.delete(w)) {
                    victims.remove(w);
                    anyVictims = !victims.isEmpty();
                }
            }
            anySynced = !synced.isEmpty();
        }
    }

    /** Queues a progress notice for {@code w} when it is synced (etcd's {@code progress}); a full stream skips it. */
    void progress(Watcher w) {
        synchronized (lock) {
            if (synced.contains(w)) {
                // not the store's revision: one published but not yet delivered must not be claimed
                w.send(List.of(), Math.max(lastDelivered, w.minRev - 1));
            }
        }
    }

    /**
     * A stream's consumer took batches: held-back watchers may fit now. Wakes the syncer once per
     * round, not once per call: consumers take batches far more often than a round runs.
     */
    void streamHasRoom() {
        if (anyVictims && !roomSignalled) {
            roomSignalled = true;
            LockSupport.unpark(syncer);
        }
    }

    private void addSynced(Watcher w) {
        synced.add(w);
        anySynced = true;
    }

    /**
     * The store's revision, for deciding whether a watcher has seen everything and may become
     * synced; holding the lock. The writer publishes a revision, then asks whether anyone
     * listens; this says yes before reading the revision. So either the writer sees the yes and
     * delivers the revision (once this lock is free), or this sees the revision and keeps the
     * watcher unsynced: no revision falls between the two. The caller ends with {@link
     * #listenIfSynced()}.
     */
    private long revisionForSyncing() {
        anySynced = true;
        return kv.currentRevision();
    }

    private void listenIfSynced() {
        anySynced = !synced.isEmpty();
    }

    /** Hands a write's events to the synced watchers it concerns (etcd's {@code notify}); on the writer thread. */
    private void deliver(long rev, List<Event> events) {
        synchronized (lock) {
            lastDelivered = rev;
            List<Watcher> held = new ArrayList<>(0);
            synced.forEachDue(events, (w, due) -> {
                w.minRev = rev + 1;
                if (!w.send(due, rev)) {
                    held.add(w);
                    victims.put(w, due);
                }
            });
            held.forEach(synced::delete);
            anySynced = !synced.isEmpty();
            if (!victims.isEmpty() && !anyVictims) {
                anyVictims = true;
                LockSupport.unpark(syncer);
            }
        }
    }

    private void syncLoop() {
        while (!closed) {
            long started = System.nanoTime();
            roomSignalled = false;
            int progressed;
            try {
                progressed = syncWatchers() + moveVictims();
            } catch (RuntimeException e) {
                // a read on a store being replaced or closed: the next round reads the new one
                progressed = 0;
            }
            long wait;
            synchronized (lock) {
                if (!victims.isEmpty()) {
                    wait = VICTIM_RETRY_NANOS;
                } else if (!unsynced.isEmpty()) {
                    // more to read: as long again as this round took, to be fair to writers (etcd)
                    wait = progressed > 0 ? Math.max(System.nanoTime() - started, 1) : UNSYNCED_RETRY_NANOS;
                } else {
                    wait = 0;
                }
            }
            if (closed) {
                return;
            }
            if (wait == 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /**
     * One round of catching unsynced watchers up (etcd's {@code syncWatchers}): the history from
     * the lowest next revision among up to {@value #MAX_WATCHERS_PER_SYNC} of them is read with
     * no lock held, then delivered; a watcher that reached the current revision becomes synced.
     *
     * @return how many watchers got a batch or changed group
     */
    int syncWatchers() {
        List<Watcher> chosen = new ArrayList<>();
        long from = Long.MAX_VALUE;
        long upTo;
        synchronized (lock) {
            long current = revisionForSyncing();
            for (Watcher w : List.copyOf(unsynced.watchers())) {
                if (chosen.size() == MAX_WATCHERS_PER_SYNC) {
                    break;
                }
                if (w.minRev > current) {
                    // a future start revision, or nothing left to read after a snapshot
                    unsynced.delete(w);
                    addSynced(w);
                    continue;
                }
                chosen.add(w);
                from = Math.min(from, w.minRev);
            }
            listenIfSynced();
            if (chosen.isEmpty()) {
                return 0;
            }
            upTo = Math.min(current, from + MAX_REVISIONS_PER_SYNC - 1);
        }
        WatcherGroup reading = new WatcherGroup();
        chosen.forEach(reading::add);
        long start = from;
        KvStore.History history = access.read(s -> s.history(start, upTo, reading::watches));
        int progressed = 0;
        synchronized (lock) {
            long current = revisionForSyncing();
            chosen.removeIf(w -> !unsynced.contains(w)); // cancelled meanwhile
            for (Watcher w : chosen) {
                if (w.minRev <= history.compactRevision()) {
                    if (w.stream.offer(WatchBatch.compacted(w, history.compactRevision()))) {
                        unsynced.delete(w);
                        w.compacted = true;
                        progressed++;
                    }
                }
            }
            // a compaction notice that did not fit is sent next round; until then, nothing else
            chosen.removeIf(w -> w.compacted || w.minRev <= history.compactRevision());
            WatcherGroup delivering = new WatcherGroup();
            chosen.forEach(delivering::add);
            Map<Watcher, List<Event>> due = delivering.batches(history.events());
            for (Watcher w : chosen) {
                List<Event> batch = due.get(w);
                w.minRev = Math.max(w.minRev, upTo + 1);
                if (batch != null) {
                    progressed++;
                    if (!w.send(batch, current)) {
                        unsynced.delete(w);
                        victims.put(w, batch);
                        anyVictims = true;
                        continue;
                    }
                }
                if (w.minRev > current) {
                    unsynced.delete(w);
                    addSynced(w);
                    progressed++;
                }
            }
            listenIfSynced();
        }
        return progressed;
    }

    /** Retries the held-back watchers' batches (etcd's {@code moveVictims}); returns how many went out. */
    int moveVictims() {
        synchronized (lock) {
            if (victims.isEmpty()) {
                return 0;
            }
            long current = revisionForSyncing();
            int moved = 0;
            for (var it = victims.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Watcher, List<Event>> e = it.next();
                Watcher w = e.getKey();
                if (!w.send(e.getValue(), w.minRev - 1)) {
                    continue;
                }
                it.remove();
                moved++;
                if (w.minRev <= current) {
                    unsynced.add(w);
                } else {
                    addSynced(w);
                }
            }
            anyVictims = !victims.isEmpty();
            listenIfSynced();
            return moved;
        }
    }

    /** Counts of the three groups, for tests and metrics: synced, unsynced, victims. */
    int[] groupSizes() {
        synchronized (lock) {
            return new int[] {synced.size(), unsynced.size(), victims.size()};
        }
    }

    /** Stops catching watchers up; the streams stay open but get nothing more. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(syncer);
        KvStore store = kv;
        if (store != null) {
            store.onChange((rev, events) -> { });
        }
        if (syncer.getState() != Thread.State.NEW) {
            try {
                syncer.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
