package io.ketcd.storage;

import java.io.Closeable;
import java.util.function.Supplier;

/**
 * The durable key-value backend under mvcc: named buckets of byte keys ordered unsigned
 * lexicographically, committed to disk in batches (etcd: every 100 ms or 10,000 writes).
 *
 * <p>Durability comes from the write-ahead log, not from the backend: a write is safe once the
 * WAL is synced, and on restart the server replays the WAL from {@link #consistentIndex()}. So the
 * consistent index must always be committed in the same batch as the effects of the entry it
 * names; {@link #write} guarantees that by never committing in the middle of a write section.
 *
 * <p>Threading: one writer at a time (the apply loop) runs {@link #write}; any number of threads
 * may read buckets concurrently and see the latest written state, committed or not.
 */
public interface Backend extends Closeable {

    /** The bucket with this name, created empty on first use. */
    Bucket bucket(String name);

    /**
     * Runs {@code work} as one atomic unit with respect to batch commits: a commit happens either
     * before or after it, never during. Counts towards the batch limit.
     */
    <T> T write(Supplier<T> work);

    /** The index of the last log entry whose effects are in the backend; 0 when new. */
    long consistentIndex();

    /** Records the index of the entry just applied; call only inside {@link #write}. */
    void setConsistentIndex(long index);

    /** Commits everything written so far to disk now and waits for it. */
    void commit();

    /**
     * Takes a point-in-time copy of every bucket, to stream to another member (see
     * {@link BackendSnapshot}). Commits pending writes first (as etcd does before snapshotting)
     * and captures between two write sections, so the data and
     * {@link BackendSnapshot#consistentIndex()} always match. Waits only for a running write
     * section or commit, never for the streaming: later writes proceed while the snapshot is open.
     * The caller owns the snapshot and must close it.
     *
     * <p>The default throws, for backends that cannot snapshot (test doubles in other bundles).
     *
     * @throws IllegalStateException if the backend is closed or has failed
     * @throws UnsupportedOperationException if this backend cannot take snapshots
     */
    default BackendSnapshot snapshot() {
        throw new UnsupportedOperationException(getClass().getName() + " cannot take snapshots");
    }

    /**
     * Rewrites the file so that it holds little more than the live data (etcd's defragment):
     * afterwards {@link #sizeBytes()} is close to {@link #sizeInUseBytes()}. Writes wait while it
     * runs, as they do in etcd; reads go on, and open snapshots keep their data.
     *
     * <p>The default throws, for backends that cannot (test doubles in other bundles).
     *
     * @throws IllegalStateException if the backend is closed or has failed
     */
    default void defragment() {
        throw new UnsupportedOperationException(getClass().getName() + " cannot defragment");
    }

    /** Size of the backend file in bytes (etcd's db size). */
    long sizeBytes();

    /** Bytes of the file in use by live data (etcd's db size in use). */
    long sizeInUseBytes();

    /** Commits pending writes and releases the file. */
    @Override
    void close();
}
