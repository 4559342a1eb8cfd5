package io.ketcd.bench;

import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * What the watchers of a watch workload received in the current phase: for every event of a put
 * stamped with the phase ({@link WatchCalls#value}), the time from the put's send (which its
 * writer recorded in {@link Phase#sentAt} before sending) to the response's arrival, and per
 * watcher how many it got and whether their revisions only rose.
 *
 * <p>A stream's responses are handled one at a time on its transport thread, and a watcher
 * belongs to one stream, so each stream records into its own {@link StreamLog}; the lock on it is
 * uncontended except when the caller starts or reads a phase.
 */
final class Deliveries implements WatchStreams.Listener {
    /**
     * One phase's puts.
     *
     * @param id stamped into every put of the phase; events of other phases are not counted
     * @param sentAt {@link System#nanoTime()} at which put {@code ticket} was sent, 0 until then
     */
    record Phase(int id, AtomicLongArray sentAt, AtomicLong delivered, AtomicLong lastDeliveryAt) {
        Phase(int id, int puts) {
            this(id, new AtomicLongArray(puts), new AtomicLong(), new AtomicLong());
        }

        /** Records that {@code ticket} is being sent now; call just before the send. */
        void sending(int ticket) {
            sentAt.set(ticket, System.nanoTime());
        }
    }

    /**
     * A phase's deliveries.
     *
     * @param latencies nanoseconds from put to delivery of every counted event, ascending
     * @param missing events expected (every watcher gets every acknowledged put) and not received
     * @param outOfOrder events whose revision was not above the watcher's previous one (duplicates too)
     * @param lastDeliveryAt {@link System#nanoTime()} of the last counted event, 0 for none
     */
    record Outcome(long[] latencies, long missing, long outOfOrder, long lastDeliveryAt) {
    }

    private final StreamLog[] streams;
    private volatile Phase phase = new Phase(-1, 0);

    Deliveries(int streams, int watchersPerStream) {
        this.streams = new StreamLog[streams];
        for (int s = 0; s < streams; s++) {
            this.streams[s] = new StreamLog(watchersPerStream);
        }
    }

    /** Starts counting {@code next}'s events, and only those. */
    void start(Phase next) {
        for (StreamLog s : streams) {
            s.reset();
        }
        phase = next;
    }

    @Override
    public void onEvents(int stream, int watcher, WatchResponse response, long receivedAt) {
        streams[stream].record(phase, watcher, response, receivedAt);
    }

    /**
     * Waits until every watcher has {@code perWatcher} events of the current phase, or {@code bound} passes; true
     * when all came. The generator's own wait, a millisecond at a time.
     */
    boolean awaitAll(long perWatcher, java.time.Duration bound) {
        long expected = perWatcher * watchers();
        long deadline = System.nanoTime() + bound.toNanos();
        while (phase.delivered().get() < expected) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    long watchers() {
        return (long) streams.length * streams[0].delivered.length;
    }

    /** The current phase's deliveries so far; {@code perWatcher} events were expected by each watcher. */
    Outcome outcome(long perWatcher) {
        long count = 0;
        for (StreamLog s : streams) {
            synchronized (s) {
                count += s.size;
            }
        }
        long[] all = new long[Math.toIntExact(count)];
        int at = 0;
        long missing = 0;
        long outOfOrder = 0;
        for (StreamLog s : streams) {
            synchronized (s) {
                int n = Math.min(s.size, all.length - at); // events may still be coming in
                System.arraycopy(s.latencies, 0, all, at, n);
                at += n;
                for (int got : s.delivered) {
                    missing += Math.max(0, perWatcher - got);
                }
                outOfOrder += s.outOfOrder;
            }
        }
        long[] latencies = Arrays.copyOf(all, at);
        Arrays.sort(latencies);
        return new Outcome(latencies, missing, outOfOrder, phase.lastDeliveryAt().get());
    }

    /** One stream's watchers: their counts and last revisions, and the latencies of their events. */
    private static final class StreamLog {
        private final int[] delivered;
        private final long[] lastRevision;
        private long[] latencies = new long[64];
        private int size;
        private long outOfOrder;

        StreamLog(int watchers) {
            delivered = new int[watchers];
            lastRevision = new long[watchers];
        }

        synchronized void reset() {
            Arrays.fill(delivered, 0);
            size = 0;
            outOfOrder = 0;
        }

        synchronized void record(Phase phase, int watcher, WatchResponse response, long receivedAt) {
            int counted = 0;
            for (Event e : response.getEventsList()) {
                long revision = e.getKv().getModRevision();
                if (revision <= lastRevision[watcher]) {
                    outOfOrder++; // an error, not a delivery: a duplicate must not make up for a missing event
                    continue;
                }
                lastRevision[watcher] = revision;
                long stamp = WatchCalls.stamp(e.getKv().getValue());
                if (stamp == WatchCalls.NO_STAMP || WatchCalls.phaseOf(stamp) != phase.id()) {
                    continue; // an earlier phase's put, still on its way
                }
                int ticket = WatchCalls.ticketOf(stamp);
                long sentAt = ticket >= 0 && ticket < phase.sentAt().length() ? phase.sentAt().get(ticket) : 0;
                if (sentAt == 0) {
                    continue; // not a put of ours: nothing to time it from
                }
                if (size == latencies.length) {
                    latencies = Arrays.copyOf(latencies, size * 2);
                }
                // the writer's clock read comes first in real time: never negative but for clock granularity
                latencies[size++] = Math.max(0, receivedAt - sentAt);
                delivered[watcher]++;
                counted++;
            }
            if (counted > 0) {
                phase.delivered().addAndGet(counted);
                phase.lastDeliveryAt().accumulateAndGet(receivedAt, Math::max);
            }
        }
    }
}
