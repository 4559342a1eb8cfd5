package io.ketcd.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting, in tests, for a condition of something running, within a bound: the one way tests
 * synchronise with servers, members and clusters. The waiting thread parks between checks,
 * starting at one millisecond and backing off to {@link #MAX_PAUSE}, so a wait costs no CPU that
 * the system under test needs, yet a condition that holds soon is seen soon.
 */
public final class Await {
    /** The bound of the overloads that take none: long enough for an election on a loaded 2-core machine. */
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(30);
    static final Duration MAX_PAUSE = Duration.ofMillis(50);

    private Await() {
    }

    /** Returns once {@code condition} holds; an assertion error naming {@code what} after {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier condition) {
        until(what, bound, condition, () -> "");
    }

    /** {@link #until(String, Duration, BooleanSupplier)} within {@link #DEFAULT_BOUND}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_BOUND, condition);
    }

    /**
     * Returns once {@code condition} holds; after {@code bound}, an assertion error naming {@code
     * what} and carrying {@code diagnostics} (evaluated only then, e.g. a log's tail).
     */
    public static void until(String what, Duration bound, BooleanSupplier condition, Supplier<String> diagnostics) {
        value(what, bound, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), diagnostics);
    }

    /** The first value {@code probe} gives within {@code bound}; an assertion error naming {@code what} after it. */
    public static <T> T value(String what, Duration bound, Supplier<Optional<T>> probe) {
        return value(what, bound, probe, () -> "");
    }

    private static <T> T value(String what, Duration bound, Supplier<Optional<T>> probe, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + bound.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                String more = diagnostics.get();
                throw new AssertionError("timed out after " + bound.toMillis() + " ms waiting for " + what
                        + (more.isEmpty() ? "" : "\n" + more));
            }
            LockSupport.parkNanos(Math.min(pause, left));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
            pause = Math.min(pause * 2, MAX_PAUSE.toNanos());
        }
    }
}
