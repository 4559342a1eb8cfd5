package io.ketcd.raft.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The event trace of one simulation run: a ring of the last {@code capacity} events for failure reports,
 * a running 64-bit fingerprint of every event (so two runs can be compared without keeping all events),
 * and, when asked, the full list.
 *
 * <p>Not thread-safe; a simulation runs on one thread.
 */
final class Trace {
    private final String[] ring;
    private final List<String> all;
    private long count;
    private long fingerprint = 0x9E3779B97F4A7C15L;
    private long step;

    /**
     * @param capacity how many of the last events a report prints
     * @param keepAll  whether to keep every event (determinism tests), not only the ring
     */
    Trace(int capacity, boolean keepAll) {
        this.ring = new String[capacity];
        this.all = keepAll ? new ArrayList<>() : null;
    }

    void step(long step) {
        this.step = step;
    }

    void add(String event) {
        String line = step + ": " + event;
        ring[(int) (count % ring.length)] = line;
        count++;
        fingerprint = Hashes.mix(fingerprint ^ line.hashCode()) + count;
        if (all != null) {
            all.add(line);
        }
    }

    long count() {
        return count;
    }

    long fingerprint() {
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
            sb.append("  ").append(ring[(int) (i % ring.length)]).append('\n');
        }
        return sb.toString();
    }
}
