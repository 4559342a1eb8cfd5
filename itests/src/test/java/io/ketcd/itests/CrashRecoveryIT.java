package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static io.ketcd.itests.Jetcd.str;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

/**
 * kill -9 of the Karaf JVM while clients write, then a restart from the same directory: every
 * write the server acknowledged is there, with its value, and no acknowledged revision is reused.
 */
public class CrashRecoveryIT {

    /** More keys than can be written between the kill's trigger and the kill, however fast the node is. */
    private static final int KEYS = 3000;
    /** Acknowledged writes before the kill. */
    private static final int BEFORE_KILL = 300;
    private static final int WRITERS = 16;

    @Rule
    public final RunningNode running = new RunningNode();

    private KetcdNode node;

    @Before
    public void node() {
        node = running.node();
    }

    @Test
    public void everyAcknowledgedWriteSurvivesKillDashNine() throws Exception {
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicLong highestRevision = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try (Client client = Jetcd.connect(node)) {
            KV kv = client.getKVClient();
            for (int w = 0; w < WRITERS; w++) {
                writers.execute(() -> {
                    for (int n = next.getAndIncrement(); n < KEYS; n = next.getAndIncrement()) {
                        String key = String.format("crash/%04d", n);
                        String value = "value-" + n;
                        try {
                            long revision = await(kv.put(bs(key), bs(value))).getHeader().getRevision();
                            acknowledged.put(key, value);
                            highestRevision.accumulateAndGet(revision, Math::max);
                        } catch (Exception | AssertionError e) {
                            return; // the node is gone: this writer stops, its write was not acknowledged
                        }
                    }
                });
            }
            Await.until(BEFORE_KILL + " writes to be acknowledged", Duration.ofMinutes(2),
                    () -> acknowledged.size() >= BEFORE_KILL, node::diagnostics);
            node.killHard();
            writers.shutdown();
            assertTrue("writers stopped after the kill", writers.awaitTermination(2, TimeUnit.MINUTES));
        } finally {
            writers.shutdownNow();
        }
        Map<String, String> expected = new HashMap<>(acknowledged);
        assertTrue("the kill came while writes were still going: " + expected.size() + " of " + KEYS + " acknowledged",
                expected.size() < KEYS);

        node.start();

        try (Client client = Jetcd.connect(node)) {
            KV kv = client.getKVClient();
            GetResponse all = await(kv.get(bs("crash/"), GetOption.builder().isPrefix(true).build()));
            Map<String, String> found = new HashMap<>();
            for (KeyValue kv1 : all.getKvs()) {
                found.put(str(kv1.getKey()), str(kv1.getValue()));
            }
            System.out.printf("kill -9 after %d of %d writes acknowledged; %d keys present after the restart%n",
                    expected.size(), KEYS, found.size());
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertEquals("acknowledged write of " + e.getKey() + " after restart", e.getValue(), found.get(e.getKey()));
            }
            for (Map.Entry<String, String> e : found.entrySet()) {
                assertEquals("value of " + e.getKey(), "value-" + Integer.parseInt(e.getKey().substring("crash/".length())), e.getValue());
            }
            assertTrue("the store kept its revision: " + all.getHeader().getRevision() + " >= " + highestRevision.get(),
                    all.getHeader().getRevision() >= highestRevision.get());
            long after = await(kv.put(bs("crash/after-restart"), bs("v"))).getHeader().getRevision();
            assertTrue("a new write gets a new revision: " + after + " > " + highestRevision.get(), after > highestRevision.get());
        }
    }
}
