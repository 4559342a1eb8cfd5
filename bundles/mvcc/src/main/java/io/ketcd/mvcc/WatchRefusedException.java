package io.ketcd.mvcc;

/**
 * A watch that the stream refused to create, with etcd's reason, which the server sends back as
 * the response's {@code cancel_reason}.
 */
public final class WatchRefusedException extends Exception {
    /** etcd's {@code mvcc.ErrEmptyWatcherRange}; also its answer on a closed stream. */
    static final String EMPTY_RANGE = "mvcc: watcher range is empty";
    /** etcd's {@code mvcc.ErrWatcherDuplicateID}. */
    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

    WatchRefusedException(String reason) {
        super(reason, null, false, false);
    }
}
