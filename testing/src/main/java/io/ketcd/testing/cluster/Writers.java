package io.ketcd.testing.cluster;

import io.ketcd.testing.Await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

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

    private Writers(int count) {
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
            } catch (ExecutionException | TimeoutException e) {
                // not acknowledged: it may or may not be applied, and is not checked
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
