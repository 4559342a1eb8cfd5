package io.ketcd.storage;

import java.time.Duration;

/**
 * Tuning of a {@link MvStoreBackend}: the batch commit policy (etcd's
 * {@code --backend-batch-interval} and {@code --backend-batch-limit}).
 *
 * @param batchInterval how long written data may wait before a background commit; positive
 * @param batchLimit how many {@link Backend#write} sections trigger a commit at once; positive
 */
public record BackendOptions(Duration batchInterval, int batchLimit) {

    /** etcd's defaults: commit every 100 ms or every 10,000 writes, whichever comes first. */
    public static final BackendOptions DEFAULTS = new BackendOptions(Duration.ofMillis(100), 10_000);

    public BackendOptions {
        if (batchInterval == null || batchInterval.isNegative() || batchInterval.isZero()) {
            throw new IllegalArgumentException("batchInterval must be positive: " + batchInterval);
        }
        if (batchLimit <= 0) {
            throw new IllegalArgumentException("batchLimit must be positive: " + batchLimit);
        }
    }

    public BackendOptions withBatchInterval(Duration interval) {
        return new BackendOptions(interval, batchLimit);
    }

    public BackendOptions withBatchLimit(int limit) {
        return new BackendOptions(batchInterval, limit);
    }
}
