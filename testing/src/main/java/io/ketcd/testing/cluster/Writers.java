package io.ketcd.testing.cluster;

import io.ketcd.testing.Await;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers that put {@code w<writer>/<n>} until stopped, recording every acknowledged key, for
 * tests that change a running cluster under load and then check that every acknowledged write
 * is on every member.
 */
public final class Writers implements AutoCloseable {
    /** The range the writers' keys fall in: {@code [w, x)}. */
    public static final String KEYS_FROM = "w";
    public static final String KEYS_TO = "x";

    private final ExecutorService threads;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicIntegerArray failuresByWriter;
    /** The latest failures' causes, for an assertion's message. */
    private final ConcurrentLinkedQueue<String> latestFailures = new ConcurrentLinkedQueue<>();
    /** System.nanoTime() of the latest acknowledgement, or of the latest {@link #resetLongestGap}. */
    private final AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();

    private Writers(int count) {
        failuresByWriter = new AtomicIntegerArray(count);
        threads = Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, "test-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts one writer per element of {@code through}. */
    public static Writers start(KeyWriter... through) {
        Writers w = new Writers(through.length);
        for (int i = 0; i < through.length; i++) {
            int writer = i;
            w.threads.execute(() -> w.write(through[writer], writer));
        }
        return w;
    }

    private void write(KeyWriter through, int writer) {
        for (int n = 0; !stop.get(); n++) {
            String key = KEYS_FROM + writer + "/" + n;
            try {
                through.put(key).get(10, TimeUnit.SECONDS);
                acknowledged.add(key);
                long now = System.nanoTime();
                longestGapNanos.accumulateAndGet(now - lastAckNanos.getAndSet(now), Math::max);
            } catch (ExecutionException | TimeoutException e) {
                // not acknowledged: it may or may not be applied, and is not checked
                failuresByWriter.incrementAndGet(writer);
                latestFailures.add(key + ": " + (e.getCause() != null ? e.getCause() : e));
                if (latestFailures.size() > 5) {
                    latestFailures.poll();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits for {@code more} acknowledged writes after the ones so far. */
    public void awaitMore(int more, Duration bound) {
        int target = acknowledged.size() + more;
        Await.until(target + " acknowledged writes", bound, () -> acknowledged.size() >= target);
    }

    /** Puts of the {@code writer}th writer (as given to {@link #start}) that failed or got no answer so far. */
    public int failures(int writer) {
        return failuresByWriter.get(writer);
    }

    /** The causes of the latest few failures. */
    public List<String> latestFailures() {
        return List.copyOf(latestFailures);
    }

    /** Starts measuring {@link #longestGap} afresh from now. */
    public void resetLongestGap() {
        lastAckNanos.set(System.nanoTime());
        longestGapNanos.set(0);
    }

    /** The longest time without an acknowledged put (of any writer) since the start or {@link #resetLongestGap}. */
    public Duration longestGap() {
        return Duration.ofNanos(Math.max(longestGapNanos.get(), System.nanoTime() - lastAckNanos.get()));
    }

    /** Stops the writers and waits for them; returns the keys acknowledged. */
    public Set<String> stop() throws InterruptedException {
        stop.set(true);
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new AssertionError("writers did not stop");
        }
        return new HashSet<>(acknowledged);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }
}
