package io.ketcd.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting, in tests, for a condition of a running member or cluster, within a bound. */
public final class Await {

    private Await() {
    }

    /** Returns once {@code condition} holds; an assertion error naming {@code what} after {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }
}
