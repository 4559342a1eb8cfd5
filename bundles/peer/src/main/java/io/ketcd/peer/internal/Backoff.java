package io.ketcd.peer.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: from {@code min}, doubling up to {@code max}, each drawn uniformly from
 * [d/2, d] so that peers do not redial in lock step. Not thread-safe (one per reader).
 */
final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private long current;

    Backoff(Duration min, Duration max, RandomGenerator random) {
        this.minNanos = min.toNanos();
        this.maxNanos = Math.max(minNanos, max.toNanos());
        this.random = random;
        this.current = minNanos;
    }

    /** The next delay in nanoseconds. */
    long next() {
        long d = current;
        current = Math.min(maxNanos, current * 2);
        return d / 2 + random.nextLong(d / 2 + 1);
    }

    void reset() {
        current = minNanos;
    }
}
