package io.ketcd.storage;

import io.ketcd.storage.internal.BackendDump;
import io.ketcd.storage.internal.MvStoreBucket;
import io.ketcd.storage.internal.UnsignedBytesType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.RootReference;
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
 * the previous version) and is then fsynced: under the write lock, except the committer's,
 * which fsyncs after releasing it so that writers never wait for the disk.
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
    /** Measured on H2 2.3: the fourth commit after a removal counts its pages dead. */
    private static final int VERSIONS_BEFORE_PAGES_COUNT_DEAD = 5;
    private static final int DEFRAGMENT_ROUND_MILLIS = 1_000;
    /** Bounds how long writes wait for a defragmentation: at most this many rounds. */
    private static final int DEFRAGMENT_MAX_ROUNDS = 60;
    /** How much data {@link #restore} puts into the store between two commits. */
    private static final int RESTORE_COMMIT_BYTES = 32 * 1024 * 1024;

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
    /** The value of {@link #commits} at the last completed fsync: versions up to it are durable. */
    private final AtomicLong synced = new AtomicLong();
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
        MVStore store = openStore(file);
        try {
            return new MvStoreBackend(file, options, store);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw new IOException("cannot read backend file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Bucket bucket(String name) {
        return buckets.computeIfAbsent(name,
                n -> new MvStoreBucket(openMap(store, n), mutations::incrementAndGet));
    }

    private static MVStore openStore(Path file) throws IOException {
        try {
            // both triggers off: autoCommitDisabled() only stops the timer (H2 2.3); without a
            // zero buffer size MVStore still stores by itself once ~19 MiB are unsaved
            return new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitDisabled()
                    .autoCommitBufferSize(0)
                    .open();
        } catch (MVStoreException | IllegalStateException e) {
            throw new IOException("cannot open backend file " + file
                    + " (not an MVStore file, corrupt, or in use): " + e.getMessage(), e);
        }
    }

    /** The map of one bucket; the only place that says how buckets are typed on disk. */
    private static MVMap<byte[], byte[]> openMap(MVStore store, String name) {
        return store.openMap(name, new MVMap.Builder<byte[], byte[]>()
                .keyType(UnsignedBytesType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
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

    /**
     * {@inheritDoc}
     *
     * <p>How the view is pinned: under the write lock, pending writes are committed, the store's
     * current version is registered as in use ({@link MVStore#registerVersionUsage}, the same
     * hold H2's own transactions take on a version they read), and each bucket's root is
     * captured. MVMaps are copy-on-write trees, so a captured root never changes; the pages it
     * reaches are either in memory or in chunks on disk, and the registration keeps MVStore from
     * freeing or overwriting any chunk that stops being live from this version on, i.e. every
     * chunk the captured roots reach. Relying on {@code setVersionsToKeep} or the retention time
     * instead would bound the view by a count of commits or by seconds, and a slow stream outlasts
     * both. Closing the snapshot deregisters the version, after which MVStore reclaims the space.
     *
     * <p>The dump holds every map of the store ({@link MVStore#getMapNames}), which are exactly
     * the buckets, {@value #META_BUCKET} included, ordered by name.
     */
    @Override
    public BackendSnapshot snapshot() {
        writeLock.lock();
        try {
            checkUsable();
            commitLocked();
            List<String> names = new ArrayList<>(store.getMapNames());
            Collections.sort(names);
            MVStore.TxCounter pin = store.registerVersionUsage();
            try {
                List<CapturedBucket> captured = new ArrayList<>(names.size());
                for (String name : names) {
                    MVMap<byte[], byte[]> map = ((MvStoreBucket) bucket(name)).map();
                    captured.add(new CapturedBucket(name, map, map.getRoot()));
                }
                return new MvStoreSnapshot(pin, consistentIndex, List.copyOf(captured));
            } catch (RuntimeException | Error e) {
                store.deregisterVersionUsage(pin);
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Commits, then has MVStore move the live chunks together and truncate the file; a version
     * an open snapshot pins is live for this, so its data stays readable.
     */
    @Override
    public void defragment() {
        writeLock.lock();
        try {
            checkUsable();
            commitLocked();
            // MVStore counts a page dead only some versions after the one that dropped it; on an
            // idle backend no version would follow, so rewrite the (unchanged) consistent index
            // in a few versions of its own first
            for (int i = 0; i < VERSIONS_BEFORE_PAGES_COUNT_DEAD; i++) {
                setConsistentIndex(consistentIndex);
                commitLocked();
            }
            long before = store.getFileStore().size();
            // MVStore's compaction keeps rewriting chunks that are never quite full until its
            // time is up, so give it rounds of a second while a round still shrinks the file
            long size = before;
            for (int round = 0; round < DEFRAGMENT_MAX_ROUNDS; round++) {
                store.compactFile(DEFRAGMENT_ROUND_MILLIS);
                long now = store.getFileStore().size();
                if (now >= size) {
                    break;
                }
                size = now;
            }
            store.sync();
            LOG.info("defragmented backend {}: {} bytes before, {} after", file, before, store.getFileStore().size());
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
     * Writes a new backend file at {@code target} from a dump made by
     * {@link BackendSnapshot#writeTo}, replacing any file there; the dump must be the whole of
     * {@code dump} (it is read to its end, not closed). The file is built under
     * {@code <target>.restore.tmp} (a leftover from an interrupted restore is discarded first),
     * committed every {@value #RESTORE_COMMIT_BYTES} bytes of data so memory stays bounded, and
     * renamed over {@code target} only after the trailer checked out and the file was fsynced;
     * the directory is fsynced after the rename. So {@code target} is either untouched or the
     * complete restored backend, even across a crash.
     *
     * <p>No backend may have {@code target} open: close it first, restore, then
     * {@link #open} the result.
     *
     * @return the consistent index of the restored backend (the dump's)
     * @throws BackendDumpCorruptException if the dump is cut short or damaged, or its trailer's
     *     consistent index differs from the one in its {@value #META_BUCKET} bucket; no
     *     temporary file is left and {@code target} is untouched
     * @throws IOException if reading the dump or writing the file fails; the temporary file is
     *     removed and {@code target} is untouched
     */
    public static long restore(Path target, InputStream dump) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(target.getFileName() + ".restore.tmp");
        // MVStore would open a leftover file and add to it
        Files.deleteIfExists(tmp);
        MVStore store = openStore(tmp);
        try {
            RestoreSink sink = new RestoreSink(store);
            BackendDump.Trailer trailer = BackendDump.read(dump, sink);
            // the writer takes both under one lock, so only a broken writer makes them differ
            byte[] metaIndex = sink.metaIndex;
            if (metaIndex.length != Long.BYTES
                    || ByteBuffer.wrap(metaIndex).getLong() != trailer.consistentIndex()) {
                throw new BackendDumpCorruptException(trailer.offset(), "trailer says consistent index "
                        + trailer.consistentIndex() + ", bucket " + META_BUCKET + " holds "
                        + (metaIndex.length == Long.BYTES ? ByteBuffer.wrap(metaIndex).getLong()
                                : metaIndex.length + " bytes"));
            }
            store.commit();
            store.sync();
            store.close();
            try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                file.force(true); // close() may have written after the sync
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Wal.syncDir(parent);
            LOG.info("restored backend {} at consistent index {} ({} records)", target,
                    trailer.consistentIndex(), trailer.records());
            return trailer.consistentIndex();
        } catch (IOException | RuntimeException | Error e) {
            if (!store.isClosed()) {
                store.closeImmediately();
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof MVStoreException) {
                throw new IOException("cannot write restored backend " + tmp + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** Puts each record of a dump into a fresh store. */
    private static final class RestoreSink implements BackendDump.Sink {

        private final MVStore store;
        private MVMap<byte[], byte[]> map;
        private boolean inMeta;
        private long bytesSinceCommit;
        /** The consistent index in the dump's meta bucket; 0 if none, as for a new backend. */
        private byte[] metaIndex = new byte[Long.BYTES];

        RestoreSink(MVStore store) {
            this.store = store;
        }

        @Override
        public void bucket(String name) {
            map = openMap(store, name);
            inMeta = META_BUCKET.equals(name);
        }

        @Override
        public void entry(byte[] key, byte[] value) {
            if (inMeta && Arrays.equals(key, CONSISTENT_INDEX_KEY)) {
                metaIndex = value;
            }
            map.put(key, value);
            bytesSinceCommit += key.length + value.length;
            if (bytesSinceCommit >= RESTORE_COMMIT_BYTES) {
                // auto-commit is off (as for a live backend), so without this a GB dump would sit
                // in memory; the file is not the target yet, so partial commits are harmless
                store.commit();
                bytesSinceCommit = 0;
            }
        }
    }

    /** One bucket as captured by {@link #snapshot}: its map and the root to read it at. */
    private record CapturedBucket(String name, MVMap<byte[], byte[]> map,
            RootReference<byte[], byte[]> root) {
    }

    /** See {@link #snapshot} for how the view stays valid while it is open. */
    private final class MvStoreSnapshot implements BackendSnapshot {

        private final MVStore.TxCounter pin;
        private final long consistentIndex;
        private final List<CapturedBucket> captured;
        private final AtomicBoolean released = new AtomicBoolean();

        MvStoreSnapshot(MVStore.TxCounter pin, long consistentIndex, List<CapturedBucket> captured) {
            this.pin = pin;
            this.consistentIndex = consistentIndex;
            this.captured = captured;
        }

        @Override
        public long consistentIndex() {
            return consistentIndex;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            checkReadable();
            BackendDump.Writer writer = new BackendDump.Writer(out);
            try {
                for (CapturedBucket bucket : captured) {
                    writer.bucket(bucket.name());
                    Cursor<byte[], byte[]> cursor = bucket.map().cursor(bucket.root(), null, null, false);
                    while (cursor.hasNext()) {
                        byte[] key = cursor.next();
                        writer.entry(key, cursor.getValue());
                        // once released, pages may be read from a reused chunk: stop first
                        checkReadable();
                    }
                }
            } catch (MVStoreException | IllegalStateException e) {
                throw new IOException("cannot read snapshot of backend " + file + ": " + e.getMessage(), e);
            }
            writer.finish(consistentIndex);
        }

        private void checkReadable() throws IOException {
            if (released.get()) {
                throw new IOException("snapshot of backend " + file + " at consistent index "
                        + consistentIndex + " is closed");
            }
            if (closed) {
                throw new IOException("backend " + file + " was closed under its snapshot");
            }
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true) && !store.isClosed()) {
                store.deregisterVersionUsage(pin);
            }
        }
    }

    /**
     * For tests: how long MVStore keeps chunks that no longer hold live data before reusing their
     * space (45 s by default). Zero makes reuse immediate, so a test can show that an open
     * snapshot's chunks survive it.
     */
    void setRetentionTime(int millis) {
        store.setRetentionTime(millis);
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

    /**
     * The committer's batch: the version is written under {@link #writeLock}, as every commit,
     * but fsynced after the lock is released, so the apply loop's writes never wait for the
     * disk. Nothing depends on the periodic batch being durable at any given moment (the WAL
     * is; a crash before the fsync leaves the file at an earlier complete version, which the
     * WAL replays forward), while whoever needs durability calls {@link #commit}, which syncs
     * under the lock. Holding the lock across the fsync made the apply loop, and so every
     * request and watch event behind it, wait up to the fsync's latency (several ms, tens of ms
     * when it meets the WAL's own fsync) ten times a second.
     */
    private void periodicCommit() {
        long version = storeBatch();
        if (version < 0) {
            return;
        }
        try {
            // close() stops this executor and waits for it before closing the store, so the
            // store is open here; a concurrent commit() may sync too, which is harmless
            syncTo(version);
        } catch (RuntimeException e) {
            writeLock.lock();
            try {
                fail(new IllegalStateException("commit of backend " + file + " failed", e));
            } finally {
                writeLock.unlock();
            }
            LOG.error("background commit of {} failed", file, e);
        }
    }

    /**
     * The committer's first half: stores pending changes as a new version, under the lock, not
     * fsynced; returns the commit count to sync up to, or -1 when there is nothing to sync.
     */
    long storeBatch() {
        writeLock.lock();
        try {
            if (closed || failure != null || !storeLocked()) {
                return -1;
            }
            return commits.get();
        } catch (RuntimeException e) {
            // already recorded by storeLocked; the executor must not die silently either way
            LOG.error("background commit of {} failed", file, e);
            return -1;
        } finally {
            writeLock.unlock();
        }
    }

    /** Fsyncs the file, making every version up to commit {@code version} durable. */
    private void syncTo(long version) {
        store.sync();
        synced.accumulateAndGet(version, Math::max);
    }

    /** The number of commits known to be fsynced; for tests. */
    long durableCommits() {
        return synced.get();
    }

    /**
     * Commits and fsyncs: the new version if anything changed, and a version the committer stored
     * but has not fsynced yet. Caller holds {@link #writeLock}.
     */
    private void commitLocked() {
        storeLocked();
        long version = commits.get();
        if (synced.get() < version) {
            try {
                syncTo(version);
            } catch (RuntimeException e) {
                fail(new IllegalStateException("commit of backend " + file + " failed", e));
                throw failure;
            }
        }
    }

    /**
     * Writes the pending changes as one new version, not yet fsynced; false when there were
     * none. Caller holds {@link #writeLock}.
     */
    private boolean storeLocked() {
        pending = 0;
        if (!store.hasUnsavedChanges()) {
            return false;
        }
        try {
            store.commit();
        } catch (RuntimeException e) {
            fail(new IllegalStateException("commit of backend " + file + " failed", e));
            throw failure;
        }
        commits.incrementAndGet();
        return true;
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
