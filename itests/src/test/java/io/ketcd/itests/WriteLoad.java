package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static io.ketcd.itests.Jetcd.str;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

/**
 * Concurrent jetcd writers that put the keys {@code <prefix>000000, <prefix>000001, ...} once
 * each, with the value {@code value-<n>}, and record every put the server acknowledged. What a
 * failed put did is unknown (it may or may not be applied), so only acknowledged puts are
 * promised; {@link #assertPresentIn} checks them against what a server returns.
 *
 * <p>Writer {@code w} starts on endpoint {@code w % endpoints}; on a failed put it either stops
 * (a single node that was killed) or moves on to the next endpoint, as a client balancing over a
 * cluster would ({@code failover}). {@link #startPersistent} keeps writing through an outage of a
 * single endpoint, backing off after each failed put as a client would.
 */
final class WriteLoad implements AutoCloseable {

    private final String prefix;
    private final int keys;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong highestRevision = new AtomicLong();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    /** System.nanoTime() of the latest acknowledgement, 0 before the first. */
    private final AtomicLong lastAckNanos = new AtomicLong();
    /** The longest time between two consecutive acknowledgements (of any writers). */
    private final AtomicLong longestAckGapNanos = new AtomicLong();
    private final int writerCount;
    private final ExecutorService writers;
    /** How long a writer that keeps going after a failed put waits before its next put. */
    private final Duration pauseAfterFailure;
    private volatile boolean stopping;

    private WriteLoad(String prefix, int keys, int writerCount, Duration pauseAfterFailure) {
        this.prefix = prefix;
        this.keys = keys;
        this.writerCount = writerCount;
        this.writers = Executors.newFixedThreadPool(writerCount);
        this.pauseAfterFailure = pauseAfterFailure;
    }

    /** Starts {@code writerCount} writers over {@code endpoints}, writing at most {@code keys} keys. */
    static WriteLoad start(String prefix, int keys, int writerCount, List<KV> endpoints, boolean failover) {
        return start(new WriteLoad(prefix, keys, writerCount, Duration.ZERO), endpoints, failover);
    }

    /**
     * Starts {@code writerCount} writers on one endpoint that keep writing after a failed put
     * (the next key, on the same client), each waiting {@code pauseAfterFailure} first so that an
     * outage of the endpoint is not a busy loop of failures. Ends by {@link #stop()} or when the
     * keys run out.
     */
    static WriteLoad startPersistent(String prefix, int keys, int writerCount, KV endpoint, Duration pauseAfterFailure) {
        return start(new WriteLoad(prefix, keys, writerCount, pauseAfterFailure), List.of(endpoint), true);
    }

    private static WriteLoad start(WriteLoad load, List<KV> endpoints, boolean failover) {
        for (int w = 0; w < load.writerCount; w++) {
            int first = w % endpoints.size();
            load.writers.execute(() -> load.write(endpoints, first, failover));
        }
        return load;
    }

    private void write(List<KV> endpoints, int first, boolean failover) {
        int endpoint = first;
        for (int n = next.getAndIncrement(); n < keys && !stopping; n = next.getAndIncrement()) {
            String key = key(n);
            String value = "value-" + n;
            try {
                long revision = await(endpoints.get(endpoint).put(bs(key), bs(value))).getHeader().getRevision();
                acknowledged.put(key, value);
                highestRevision.accumulateAndGet(revision, Math::max);
                long now = System.nanoTime();
                long previous = lastAckNanos.getAndSet(now);
                if (previous != 0) {
                    longestAckGapNanos.accumulateAndGet(now - previous, Math::max);
                }
            } catch (Exception | AssertionError e) {
                failures.incrementAndGet(); // not acknowledged: the key may or may not have been written
                if (!failover) {
                    return;
                }
                endpoint = (endpoint + 1) % endpoints.size();
                if (!pauseAfterFailure.isZero()) {
                    LockSupport.parkNanos(pauseAfterFailure.toNanos()); // a client's back-off, not a wait for the server
                }
            }
        }
    }

    String key(int n) {
        return String.format("%s%06d", prefix, n);
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    int failures() {
        return failures.get();
    }

    long highestRevision() {
        return highestRevision.get();
    }

    /** The longest time the writers went without an acknowledgement, between the first and the latest. */
    Duration longestAckGap() {
        return Duration.ofNanos(longestAckGapNanos.get());
    }

    /** Waits until at least {@code count} puts in all have been acknowledged. */
    void awaitAcknowledged(int count, Duration timeout, Supplier<String> diagnostics) {
        Await.until(count + " acknowledged writes (" + acknowledgedCount() + " so far, " + failures() + " failed)",
                timeout, () -> acknowledged.size() >= count, diagnostics);
    }

    /** Waits until every writer has ended by itself (all keys written, or stopped on a failure). */
    void awaitWritersEnded(Duration timeout) throws InterruptedException {
        writers.shutdown();
        assertTrue("writers ended within " + timeout.toSeconds() + " s", writers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Stops the writers after their current put and waits for them; the acknowledged set is final then. */
    void stop() throws InterruptedException {
        stopping = true;
        awaitWritersEnded(Jetcd.CALL_TIMEOUT.plusSeconds(30));
    }

    /** A copy of the acknowledged puts: key to value. */
    Map<String, String> acknowledged() {
        return new HashMap<>(acknowledged);
    }

    /**
     * Reads every key under the prefix from {@code kv} (in pages, serializable when asked) and
     * asserts that each acknowledged put is there with its value, and that every key present
     * holds the value its writer wrote.
     *
     * @return the header revision of the first page
     */
    long assertPresentIn(String where, KV kv, boolean serializable) throws Exception {
        Map<String, String> found = new HashMap<>();
        long revision = 0;
        String from = prefix;
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(bs(end)).withLimit(10_000).withSerializable(serializable);
            if (revision != 0) {
                option.withRevision(revision); // the pages of one snapshot
            }
            GetResponse page = await(kv.get(bs(from), option.build()));
            if (revision == 0) {
                revision = page.getHeader().getRevision();
            }
            for (KeyValue kv1 : page.getKvs()) {
                found.put(str(kv1.getKey()), str(kv1.getValue()));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                break;
            }
            from = str(page.getKvs().get(page.getKvs().size() - 1).getKey()) + "\0";
        }
        Map<String, String> expected = acknowledged();
        int missing = 0;
        StringBuilder firstMissing = new StringBuilder();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!e.getValue().equals(found.get(e.getKey()))) {
                if (missing++ < 10) {
                    firstMissing.append(' ').append(e.getKey()).append('=').append(found.get(e.getKey()));
                }
            }
        }
        assertEquals(where + ": acknowledged writes absent or wrong (of " + expected.size() + "; first:" + firstMissing + ")",
                0, missing);
        for (Map.Entry<String, String> e : found.entrySet()) {
            assertEquals(where + ": value of " + e.getKey(),
                    "value-" + Integer.parseInt(e.getKey().substring(prefix.length())), e.getValue());
        }
        System.out.printf("%s: %d acknowledged writes all present among %d keys at revision %d%n",
                where, expected.size(), found.size(), revision);
        return revision;
    }

    @Override
    public void close() {
        stopping = true;
        writers.shutdownNow();
    }
}
