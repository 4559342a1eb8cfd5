package io.ketcd.storage;

import io.ketcd.storage.internal.BackendDump;
import io.ketcd.storage.internal.MvStoreBucket;
import io.ketcd.storage.internal.StoreGeneration;
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
import org.h2.mvstore.FileStore;
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
    /** How much data {@link #restore} puts into the store between two commits. */
    private static final int RESTORE_COMMIT_BYTES = 32 * 1024 * 1024;
    private static final String DEFRAGMENT_SUFFIX = ".defrag.tmp";

    private final Path file;
    private final BackendOptions options;
    /** The store in use; replaced, under {@link #writeLock}, only by {@link #defragment}. */
    private volatile StoreGeneration live;
    /** Stores replaced by {@link #defragment} that readers may still hold open. */
    private final List<StoreGeneration> retired = new java.util.concurrent.CopyOnWriteArrayList<>();
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
        this.live = new StoreGeneration(store);
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
        // what a defragment cut short by a crash left: the file itself is the old one, whole
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + DEFRAGMENT_SUFFIX));
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
        return buckets.computeIfAbsent(name, n -> {
            StoreGeneration generation = live;
            return new MvStoreBucket(openMap(generation.store(), n), generation, mutations::incrementAndGet);
        });
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
            StoreGeneration generation = live;
            MVStore store = generation.store();
            List<String> names = new ArrayList<>(store.getMapNames());
            Collections.sort(names);
            // the live generation is never retired while the write lock is held
            generation.enter();
            MVStore.TxCounter pin = store.registerVersionUsage();
            try {
                List<CapturedBucket> captured = new ArrayList<>(names.size());
                for (String name : names) {
                    MVMap<byte[], byte[]> map = openMap(store, name);
                    captured.add(new CapturedBucket(name, map, map.getRoot()));
                }
                return new MvStoreSnapshot(generation, pin, consistentIndex, List.copyOf(captured));
            } catch (RuntimeException | Error e) {
                store.deregisterVersionUsage(pin);
                generation.exit();
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>How: under the write lock, commit, copy every map into a new file next to this one
     * ({@code <file>.defrag.tmp}, built as {@link #restore} builds its file), rename it over this
     * one and switch every bucket to it. MVStore's own compaction moves chunks but rewrites
     * only pages it finds under-filled, so it left a file of large, half-deleted values at its
     * full size; a copy holds only live data, as bbolt's defragment does. The old store is
     * retired, not closed: bucket reads and snapshots that began on it finish there, and its
     * space is freed when the last leaves ({@link StoreGeneration}).
     *
     * @throws IllegalStateException also if the copy cannot be written (the backend goes on with
     *     its old file), or if the copy cannot be opened after the rename (the backend fails: the
     *     file on disk is the copy, so restarting replays the WAL on it)
     */
    @Override
    public void defragment() {
        writeLock.lock();
        try {
            checkUsable();
            commitLocked();
            StoreGeneration old = live;
            long before = old.store().getFileStore().size();
            List<String> names = new ArrayList<>(old.store().getMapNames());
            try {
                buildFile(file, DEFRAGMENT_SUFFIX, sink -> {
                    for (String name : names) {
                        sink.bucket(name);
                        MVMap<byte[], byte[]> map = openMap(old.store(), name);
                        Cursor<byte[], byte[]> cursor = map.cursor(null);
                        while (cursor.hasNext()) {
                            byte[] key = cursor.next();
                            sink.entry(key, cursor.getValue());
                        }
                    }
                });
            } catch (IOException | MVStoreException e) {
                throw new IllegalStateException("cannot defragment backend " + file + ": " + e.getMessage(), e);
            }
            StoreGeneration copy;
            try {
                copy = new StoreGeneration(openStore(file));
            } catch (IOException | RuntimeException e) {
                fail(new IllegalStateException("backend " + file + " cannot open its defragmented copy", e));
                throw failure;
            }
            for (Map.Entry<String, MvStoreBucket> bucket : buckets.entrySet()) {
                bucket.getValue().rebind(openMap(copy.store(), bucket.getKey()), copy);
            }
            live = copy;
            retired.add(old);
            old.retire();
            retired.removeIf(StoreGeneration::released);
            LOG.info("defragmented backend {}: {} bytes before, {} after", file, before, sizeBytes());
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
        return live.store().getFileStore().size();
    }

    /**
     * Estimated from MVStore's own accounting: the file size, times the share of its blocks
     * that chunks occupy, times the share of those chunks' bytes that live pages hold.
     */
    @Override
    public long sizeInUseBytes() {
        FileStore<?> files = live.store().getFileStore();
        return files.size() * files.getFillRate() / 100 * files.getChunksFillRate() / 100;
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
                live.store().close();
            } else {
                // keep the file at the last good batch: do not store the inconsistent state
                live.store().closeImmediately();
            }
            retired.forEach(StoreGeneration::release);
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
        BackendDump.Trailer[] trailer = new BackendDump.Trailer[1];
        buildFile(target, ".restore.tmp", sink -> {
            trailer[0] = BackendDump.read(dump, sink);
            // the writer takes both under one lock, so only a broken writer makes them differ
            byte[] metaIndex = sink.metaIndex;
            if (metaIndex.length != Long.BYTES
                    || ByteBuffer.wrap(metaIndex).getLong() != trailer[0].consistentIndex()) {
                throw new BackendDumpCorruptException(trailer[0].offset(), "trailer says consistent index "
                        + trailer[0].consistentIndex() + ", bucket " + META_BUCKET + " holds "
                        + (metaIndex.length == Long.BYTES ? ByteBuffer.wrap(metaIndex).getLong()
                                : metaIndex.length + " bytes"));
            }
        });
        LOG.info("restored backend {} at consistent index {} ({} records)", target,
                trailer[0].consistentIndex(), trailer[0].records());
        return trailer[0].consistentIndex();
    }

    /** Writes the buckets a {@link #build} source gives. */
    @FunctionalInterface
    public interface BucketSource {
        void writeTo(BucketSink sink) throws IOException;
    }

    /**
     * Writes a new backend file at {@code target} from the buckets {@code source} gives (a
     * backend read from another format), replacing any file there, with the same guarantees as
     * {@link #restore}: {@code target} is either untouched or complete, even across a crash.
     *
     * @return the consistent index in the built file's {@value #META_BUCKET} bucket; 0 if none
     */
    public static long build(Path target, BucketSource source) throws IOException {
        FillingSink[] filled = new FillingSink[1];
        buildFile(target, ".build.tmp", sink -> {
            filled[0] = sink;
            source.writeTo(sink);
        });
        byte[] index = filled[0].metaIndex;
        return index.length == Long.BYTES ? ByteBuffer.wrap(index).getLong() : 0;
    }

    private interface Filler {
        void fill(FillingSink sink) throws IOException;
    }

    /**
     * Builds a store file at {@code <target><suffix>} (a leftover from an interrupted run is
     * discarded first), commits and fsyncs it, and renames it over {@code target}, fsyncing the
     * directory after. On failure the temporary file is removed and {@code target} untouched.
     */
    private static void buildFile(Path target, String suffix, Filler filler) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(target.getFileName() + suffix);
        // MVStore would open a leftover file and add to it
        Files.deleteIfExists(tmp);
        MVStore store = openStore(tmp);
        try {
            filler.fill(new FillingSink(store));
            store.commit();
            store.sync();
            store.close();
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true); // close() may have written after the sync
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Wal.syncDir(parent);
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
                throw new IOException("cannot write backend " + tmp + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** Puts each entry it is given into a fresh store, committing as it goes. */
    private static final class FillingSink implements BucketSink {

        private final MVStore store;
        private MVMap<byte[], byte[]> map;
        private boolean inMeta;
        private long bytesSinceCommit;
        /** The consistent index in the meta bucket given; 0 if none, as for a new backend. */
        private byte[] metaIndex = new byte[Long.BYTES];

        FillingSink(MVStore store) {
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
                // auto-commit is off (as for a live backend), so without this a GB of data would
                // sit in memory; the file is not the target yet, so partial commits are harmless
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

        /** Entered by {@link #snapshot}: stays open, even if defragmented away, until closed. */
        private final StoreGeneration generation;
        private final MVStore.TxCounter pin;
        private final long consistentIndex;
        private final List<CapturedBucket> captured;
        private final AtomicBoolean released = new AtomicBoolean();

        MvStoreSnapshot(StoreGeneration generation, MVStore.TxCounter pin, long consistentIndex,
                List<CapturedBucket> captured) {
            this.generation = generation;
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
            if (released.compareAndSet(false, true)) {
                if (!generation.store().isClosed()) {
                    generation.store().deregisterVersionUsage(pin);
                }
                generation.exit();
            }
        }
    }

    /**
     * For tests: how long MVStore keeps chunks that no longer hold live data before reusing their
     * space (45 s by default). Zero makes reuse immediate, so a test can show that an open
     * snapshot's chunks survive it.
     */
    void setRetentionTime(int millis) {
        live.store().setRetentionTime(millis);
    }

    /**
     * Simulates a crash for tests: releases the file without committing, as if the process died.
     * Everything since the last commit is lost.
     */
    void closeWithoutCommit() {
        stopCommitter();
        closed = true;
        live.store().closeImmediately();
        retired.forEach(StoreGeneration::release);
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
        StoreGeneration generation = live;
        if (!generation.enter()) {
            // defragmented away since the batch was stored: defragment synced it before copying
            return;
        }
        try {
            generation.store().sync();
        } finally {
            generation.exit();
        }
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
        MVStore store = live.store();
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
