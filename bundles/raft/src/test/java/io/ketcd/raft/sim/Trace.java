package io.ketcd.raft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The event trace of one simulation run: a ring of the last {@code capacity} events for failure reports
 * and, when asked, the full list with a running fingerprint (determinism tests).
 *
 * <p>Events on hot paths are added as {@link Supplier}s and formatted only when a report prints them
 * (they capture immutable values: protobuf messages, Ready records); a trace that keeps every event
 * formats each one at once. Not thread-safe; a simulation runs on one thread.
 */
final class Trace {
    private final Object[] ring;
    private final long[] steps;
    private final List<String> all;
    private long count;
    private long fingerprint = 0x9E3779B97F4A7C15L;
    private long step;

    /**
     * @param capacity how many of the last events a report prints
     * @param keepAll  whether to keep every event (determinism tests), not only the ring
     */
    Trace(int capacity, boolean keepAll) {
        this.ring = new Object[capacity];
        this.steps = new long[capacity];
        this.all = keepAll ? new ArrayList<>() : null;
    }

    void step(long step) {
        this.step = step;
    }

    void add(String event) {
        record(event);
    }

    /** An event formatted only if it is ever printed. */
    void add(Supplier<String> event) {
        record(all != null ? event.get() : event);
    }

    private void record(Object event) {
        int slot = (int) (count % ring.length);
        ring[slot] = event;
        steps[slot] = step;
        count++;
        if (all != null) {
            String line = step + ": " + event;
            fingerprint = Hashes.mix(fingerprint ^ line.hashCode()) + count;
            all.add(line);
        }
    }

    long count() {
        return count;
    }

    /** A fingerprint of every event; only for traces that keep them all. */
    long fingerprint() {
        all();
        return fingerprint;
    }

    /** Every event, if this trace keeps them all; otherwise throws. */
    List<String> all() {
        if (all == null) {
            throw new IllegalStateException("trace keeps only the last " + ring.length + " events");
        }
        return List.copyOf(all);
    }

    /** The last events, oldest first, one a line. */
    String tail() {
        StringBuilder sb = new StringBuilder();
        long from = Math.max(0, count - ring.length);
        if (from > 0) {
            sb.append("  ... ").append(from).append(" earlier events omitted\n");
        }
        for (long i = from; i < count; i++) {
            int slot = (int) (i % ring.length);
            Object e = ring[slot];
            String text = e instanceof Supplier<?> s ? String.valueOf(s.get()) : String.valueOf(e);
            sb.append("  ").append(steps[slot]).append(": ").append(text).append('\n');
        }
        return sb.toString();
    }
}
