package io.ketcd.storage;

import io.ketcd.storage.internal.MvStoreBucket;
import io.ketcd.storage.internal.UnsignedBytesType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Backend} on H2's MVStore: one file, one MVMap per bucket, keys in unsigned
 * lexicographic order, values as stored.
 *
 * <p>MVStore's own auto-commit is disabled (both its timer and its unsaved-memory trigger), so
 * data reaches the file only through {@link #commit}: from the committer thread every
 * {@link BackendOptions#batchInterval} if anything changed, from {@link #write} once
 * {@link BackendOptions#batchLimit} write sections are pending, from {@link #commit} and from
 * {@link #close}. Each commit writes one MVStore version atomically (a crash leaves the file at
 * the previous version) and is then fsynced.
 *
 * <p>The consistent index lives in bucket {@value #META_BUCKET} under key
 * {@code consistent_index} as 8 bytes big-endian (etcd's layout), and is cached in memory.
 *
 * <p>If the work of a {@link #write} throws after it changed a bucket, the in-memory state no
 * longer matches any log index: the backend stops committing (the file keeps the last committed
 * batch, which is consistent) and every later {@code write} and {@code commit} throws
 * {@link IllegalStateException}. The server recovers by reopening and replaying the WAL. Work
 * that throws before changing anything leaves the backend usable.
 *
 * <p>Bucket mutations belong inside {@link #write}; a mutation outside it may be committed in
 * any batch.
 */
public final class MvStoreBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(MvStoreBackend.class);

    /** Name of the bucket holding the backend's own bookkeeping (as etcd's "meta" bucket). */
    public static final String META_BUCKET = "meta";
    private static final byte[] CONSISTENT_INDEX_KEY = "consistent_index".getBytes();

    private final Path file;
    private final BackendOptions options;
    private final MVStore store;
    private final ScheduledExecutorService committer;
    private final Map<String, MvStoreBucket> buckets = new ConcurrentHashMap<>();
    private final Bucket meta;

    /**
     * Held by {@link #write} sections and by every commit, so a commit never lands inside a
     * write section. Nothing else is locked while it is held, except MVStore's internal locks.
     */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Write sections since the last commit; guarded by {@link #writeLock}. */
    private int pending;
    /** Last value given to {@link #setConsistentIndex}, committed or not. */
    private volatile long consistentIndex;
    /** Counts bucket mutations, to tell whether a failed write section changed anything. */
    private final AtomicLong mutations = new AtomicLong();
    /** Batches committed to the file since open. */
    private final AtomicLong commits = new AtomicLong();
    /** Set once: why the backend stopped committing; null while healthy. */
    private volatile RuntimeException failure;
    private volatile boolean closed;

    private MvStoreBackend(Path file, BackendOptions options, MVStore store) {
        this.file = file;
        this.options = options;
        this.store = store;
        this.meta = bucket(META_BUCKET);
        byte[] index = meta.get(CONSISTENT_INDEX_KEY);
        this.consistentIndex = index == null ? 0 : ByteBuffer.wrap(index).getLong();
        this.committer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ketcd-backend-commit " + file.getFileName());
            t.setDaemon(true);
            return t;
        });
        long intervalNanos = options.batchInterval().toNanos();
        committer.scheduleWithFixedDelay(this::periodicCommit, intervalNanos, intervalNanos,
                TimeUnit.NANOSECONDS);
    }

    /**
     * Opens the backend file, creating it (and its parent directories) if it does not exist.
     *
     * @throws IOException if the file is not an MVStore file, is corrupt beyond MVStore's own
     *     recovery, is locked by another open backend, or cannot be read or created; the message
     *     names the file
     */
    public static MvStoreBackend open(Path file, BackendOptions options) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        MVStore store;
        try {
            // both triggers off: autoCommitDisabled() only stops the timer (H2 2.3); without a
            // zero buffer size MVStore still stores by itself once ~19 MiB are unsaved
            store = new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitDisabled()
                    .autoCommitBufferSize(0)
                    .open();
        } catch (MVStoreException | IllegalStateException e) {
            throw new IOException("cannot open backend file " + file
                    + " (not an MVStore file, corrupt, or in use): " + e.getMessage(), e);
        }
        try {
            return new MvStoreBackend(file, options, store);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw new IOException("cannot read backend file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Bucket bucket(String name) {
        return buckets.computeIfAbsent(name, n -> {
            MVMap<byte[], byte[]> map = store.openMap(n, new MVMap.Builder<byte[], byte[]>()
                    .keyType(UnsignedBytesType.INSTANCE)
                    .valueType(ByteArrayDataType.INSTANCE));
            return new MvStoreBucket(map, mutations::incrementAndGet);
        });
    }

    @Override
    public <T> T write(Supplier<T> work) {
        writeLock.lock();
        try {
            checkUsable();
            long before = mutations.get();
            T result;
            try {
                result = work.get();
            } catch (RuntimeException | Error e) {
                if (mutations.get() != before) {
                    fail(new IllegalStateException("backend " + file
                            + " is inconsistent: a write section failed after changing data", e));
                }
                throw e;
            }
            if (++pending >= options.batchLimit()) {
                commitLocked();
            }
            return result;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long consistentIndex() {
        return consistentIndex;
    }

    /** @throws IllegalStateException if called outside {@link #write} */
    @Override
    public void setConsistentIndex(long index) {
        if (!writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("setConsistentIndex must be called inside write()");
        }
        meta.put(CONSISTENT_INDEX_KEY, ByteBuffer.allocate(Long.BYTES).putLong(index).array());
        consistentIndex = index;
    }

    /** @throws IllegalStateException if the backend is closed or has failed (see class doc) */
    @Override
    public void commit() {
        writeLock.lock();
        try {
            checkUsable();
            commitLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /** Number of batches committed to the file since open; for metrics and tests. */
    public long commits() {
        return commits.get();
    }

    @Override
    public long sizeBytes() {
        return store.getFileStore().size();
    }

    /** Approximation: the file size times the share of its blocks that hold live chunks. */
    @Override
    public long sizeInUseBytes() {
        return store.getFileStore().size() * store.getFileStore().getFillRate() / 100;
    }

    /** Stops the committer, commits pending writes (unless the backend failed) and closes the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stopCommitter();
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (failure == null) {
                commitLocked();
                store.close();
            } else {
                // keep the file at the last good batch: do not store the inconsistent state
                store.closeImmediately();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Simulates a crash for tests: releases the file without committing, as if the process died.
     * Everything since the last commit is lost.
     */
    void closeWithoutCommit() {
        stopCommitter();
        closed = true;
        store.closeImmediately();
    }

    private void periodicCommit() {
        writeLock.lock();
        try {
            if (!closed && failure == null) {
                commitLocked();
            }
        } catch (RuntimeException e) {
            // already recorded by commitLocked; the executor must not die silently either way
            LOG.error("background commit of {} failed", file, e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Commits and fsyncs if anything changed. Caller holds {@link #writeLock}. */
    private void commitLocked() {
        pending = 0;
        if (!store.hasUnsavedChanges()) {
            return;
        }
        try {
            store.commit();
            store.sync();
        } catch (RuntimeException e) {
            fail(new IllegalStateException("commit of backend " + file + " failed", e));
            throw failure;
        }
        commits.incrementAndGet();
    }

    private void fail(IllegalStateException e) {
        if (failure == null) {
            failure = e;
            LOG.error("backend {} stops committing; restart replays the WAL", file, e);
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("backend " + file + " is closed");
        }
        RuntimeException f = failure;
        if (f != null) {
            throw new IllegalStateException(f.getMessage(), f);
        }
    }

    private void stopCommitter() {
        committer.shutdown();
        try {
            // a running commit finishes in bounded time; waiting keeps close() ordered after it
            if (!committer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("committer of {} did not stop within 30 s", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
