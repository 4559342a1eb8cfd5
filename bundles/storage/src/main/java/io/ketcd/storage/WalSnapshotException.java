package io.ketcd.storage;

import java.io.IOException;

/**
 * The WAL cannot be read from the requested snapshot: no marker for the snapshot's index is in
 * the WAL (etcd's {@code ErrSnapshotNotFound}), the marker at that index has another term
 * ({@code ErrSnapshotMismatch}), or the segments that would hold it were released. The WAL and
 * the snapshot do not belong together; the member cannot start from them.
 */
public final class WalSnapshotException extends IOException {

    private static final long serialVersionUID = 1L;

    public WalSnapshotException(String message) {
        super(message);
    }
}
