package io.ketcd.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A point-in-time copy of a whole {@link Backend}, taken by {@link Backend#snapshot()} between
 * two write sections, to stream to a member that fell too far behind (etcd's "merged snapshot":
 * the db file sent after the MsgSnap). The byte format of {@link #writeTo} is in this package's
 * {@code package-info}; {@link MvStoreBackend#restore} reads it back.
 *
 * <p>The copy is fixed: writes to the backend after the snapshot was taken never show up in it,
 * and it does not hold the backend's write lock, so the apply loop keeps running while a
 * snapshot streams. What it does pin is storage: the backend keeps the pages of the captured
 * version on disk until {@link #close}, so the file can only grow while a snapshot is open.
 *
 * <p>Thread-safety: {@link #consistentIndex()} may be called from any thread; {@link #writeTo}
 * calls may even run concurrently, each producing the same bytes.
 */
public interface BackendSnapshot extends AutoCloseable {

    /**
     * The consistent index of exactly the data captured: the last log entry whose effects are
     * in this snapshot. The raft snapshot sent with it must be at this index.
     */
    long consistentIndex();

    /**
     * Writes the whole snapshot to {@code out} in the dump format, then flushes {@code out}; does
     * not close it. Every call writes identical bytes, so a failed send can simply be retried.
     * Memory use is bounded by one chunk plus the largest value, whatever the size of the backend.
     *
     * @throws IOException if {@code out} fails, or the snapshot or its backend was closed before
     *     or during the call (the bytes written so far are then a truncated dump, which
     *     {@link MvStoreBackend#restore} rejects)
     */
    void writeTo(OutputStream out) throws IOException;

    /**
     * Releases the captured version, so the backend may reuse its space. Idempotent. A
     * {@link #writeTo} in progress on another thread then fails with an {@link IOException}.
     */
    @Override
    void close();
}
