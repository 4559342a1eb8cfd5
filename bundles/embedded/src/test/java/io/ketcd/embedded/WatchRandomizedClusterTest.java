package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.bs;
import static io.ketcd.testing.cluster.Members.agreedLeader;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.ketcd.testing.Await;
import io.ketcd.testing.cluster.TestMember;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three jetcd writers (puts, deletes, range deletes, txns) on the three members of a cluster
 * and a compactor, while watchers start at random past and future revisions on random members
 * and ranges. Every watcher must see exactly the history of its range from its start revision,
 * in order, nothing missing and nothing twice, or a prefix of it and then the compaction; the
 * history is what two watchers of everything, started before the writes on two members, saw,
 * and they must agree with each other and with the keys the store holds at the end.
 */
class WatchRandomizedClusterTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final long SEED = Long.getLong("watch.seed", System.nanoTime());
    private static final int WRITES_PER_WRITER = 150;
    private static final int WATCHERS = 24;
    private static final List<String> KEYS = List.of("a", "ab", "abc", "b", "ba", "c", "cz", "d");

    @TempDir
    Path dir;
    private EmbeddedCluster cluster;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A watcher as the test sees it. */
    private record Watch(String member, String key, String end, long start, List<String> events,
                         AtomicLong compactedAt, List<Throwable> errors) {
        boolean contains(String k) {
            if (end == null) {
                return k.equals(key);
            }
            return k.compareTo(key) >= 0 && (end.isEmpty() || k.compareTo(end) < 0);
        }
    }

    private static String describe(WatchEvent e) {
        return e.getEventType() + " " + e.getKeyValue().getKey().toString(UTF_8) + "@" + e.getKeyValue().getModRevision()
                + (e.getEventType() == WatchEvent.EventType.PUT ? "=" + e.getKeyValue().getValue().toString(UTF_8) : "");
    }

    private static String keyOf(String described) {
        String k = described.substring(described.indexOf(' ') + 1);
        return k.substring(0, k.indexOf('@'));
    }

    private static long revisionOf(String described) {
        String r = described.substring(described.indexOf('@') + 1);
        int eq = r.indexOf('=');
        return Long.parseLong(eq < 0 ? r : r.substring(0, eq));
    }

    private Watch watch(Client client, String member, String key, String end, long start) {
        Watch w = new Watch(member, key, end, start, new CopyOnWriteArrayList<>(), new AtomicLong(),
                new CopyOnWriteArrayList<>());
        WatchOption.Builder option = WatchOption.builder().withRevision(start);
        if (end != null) {
            option.withRange(bs(end.isEmpty() ? "\0" : "r/" + end));
        }
        client.getWatchClient().watch(bs("r/" + key), option.build(),
                r -> r.getEvents().forEach(e -> w.events().add(describe(e).replaceFirst(" r/", " "))),
                error -> {
                    if (error instanceof CompactedException c) {
                        w.compactedAt().set(c.getCompactedRevision());
                    } else {
                        w.errors().add(error);
                    }
                });
        return w;
    }

    @Test
    void everyWatcherSeesExactlyItsHistory() throws Exception {
        cluster = new EmbeddedCluster(dir);
        List<TestMember> members = cluster.startNew(List.of("m1", "m2", "m3"), Map.of());
        agreedLeader(members);
        Random random = new Random(SEED);
        List<Client> clients = members.stream().map(m -> cluster.peers.client(cluster.etcd(m.name()))).toList();
        long start = clients.get(0).getKVClient().put(bs("r/a"), bs("first")).get(10, TimeUnit.SECONDS)
                .getHeader().getRevision();
        // the history: two watchers of every key, from before the writes, on two members
        Watch all1 = watch(clients.get(0), "m1", "", "", start);
        Watch all2 = watch(clients.get(1), "m2", "", "", start);

        List<Future<?>> writers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Client c = clients.get(i);
            long seed = random.nextLong();
            writers.add(threads.submit(() -> write(c, new Random(seed))));
        }
        AtomicLong compactions = new AtomicLong();
        Future<?> compactor = threads.submit(() -> compact(clients.get(2), writers, compactions));

        List<Watch> watches = new ArrayList<>();
        for (int n = 0; n < WATCHERS; n++) {
            int m = random.nextInt(3);
            long current = clients.get(m).getKVClient().get(bs("r/"), GetOption.builder().withSerializable(true)
                    .withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            long from = Math.max(1, current - 30 + random.nextInt(33));
            String key = KEYS.get(random.nextInt(KEYS.size()));
            String end = switch (random.nextInt(3)) {
                case 0 -> null;
                case 1 -> "";
                default -> key + "z";
            };
            watches.add(watch(clients.get(m), "m" + (m + 1), key, end, from));
            Await.until("some writes", BOUND, () -> all1.events().size() > 0);
            LockSupportPause.pause(random.nextInt(40));
        }
        for (Future<?> w : writers) {
            w.get(120, TimeUnit.SECONDS);
        }
        compactor.get(60, TimeUnit.SECONDS);

        long last = clients.get(0).getKVClient().get(bs("r/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        Await.until("both history watchers reached revision " + last, BOUND, () -> reached(all1, last)
                && reached(all2, last));
        assertThat(all2.events()).as("seed " + SEED + ": the two histories").isEqualTo(all1.events());
        assertFinalKeys(clients.get(0), all1.events());
        assertThat(compactions.get()).as("compactions").isPositive();

        int complete = 0;
        for (Watch w : watches) {
            List<String> expected = all1.events().stream()
                    .filter(e -> revisionOf(e) >= w.start() && w.contains(keyOf(e))).toList();
            String what = "seed " + SEED + ": watcher of [" + w.key() + ", " + w.end() + ") on " + w.member()
                    + " from " + w.start();
            Await.until(what + " done", BOUND, () -> !w.errors().isEmpty() || w.compactedAt().get() != 0
                            || w.events().size() >= expected.size(),
                    () -> "expected " + expected + "\ngot " + w.events());
            assertThat(w.errors()).as(what + ": errors").isEmpty();
            if (w.compactedAt().get() != 0) {
                assertThat(w.start()).as(what).isLessThanOrEqualTo(w.compactedAt().get());
                assertThat(w.events()).as(what).isEqualTo(expected.subList(0, Math.min(w.events().size(), expected.size())));
            } else {
                complete++;
                assertThat(w.events()).as(what).isEqualTo(expected);
            }
        }
        assertThat(complete).as("watchers that saw their whole history").isGreaterThan(WATCHERS / 3);
    }

    private static boolean reached(Watch w, long revision) {
        List<String> events = w.events();
        return !events.isEmpty() && revisionOf(events.get(events.size() - 1)) >= revision;
    }

    /** The keys and values the store holds are what the history leaves. */
    private static void assertFinalKeys(Client client, List<String> history) throws Exception {
        Map<String, String> fromHistory = new java.util.TreeMap<>();
        for (String e : history) {
            if (e.startsWith("PUT")) {
                fromHistory.put(keyOf(e), e.substring(e.indexOf('=') + 1));
            } else {
                fromHistory.remove(keyOf(e));
            }
        }
        Map<String, String> stored = new java.util.TreeMap<>();
        client.getKVClient().get(bs("r/"), GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS)
                .getKvs().forEach(kv -> stored.put(kv.getKey().toString(UTF_8).substring(2), kv.getValue().toString(UTF_8)));
        assertThat(stored).isEqualTo(fromHistory);
    }

    private static void write(Client c, Random random) {
        for (int i = 0; i < WRITES_PER_WRITER; i++) {
            ByteSequence key = bs("r/" + KEYS.get(random.nextInt(KEYS.size())));
            ByteSequence value = bs("v" + random.nextInt(1000));
            try {
                switch (random.nextInt(6)) {
                    case 0 -> c.getKVClient().delete(key).get(10, TimeUnit.SECONDS);
                    case 1 -> c.getKVClient().delete(key, DeleteOption.builder().withRange(
                            ByteSequence.from(key.toString(UTF_8) + "z", UTF_8)).build()).get(10, TimeUnit.SECONDS);
                    case 2 -> {
                        Set<String> used = new HashSet<>();
                        List<Op> ops = new ArrayList<>();
                        for (int j = 0; j < 3; j++) {
                            String k = "r/" + KEYS.get(random.nextInt(KEYS.size()));
                            if (used.add(k)) {
                                ops.add(random.nextBoolean() ? Op.put(bs(k), value, PutOption.DEFAULT)
                                        : Op.delete(bs(k), DeleteOption.DEFAULT));
                            }
                        }
                        c.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
                    }
                    default -> c.getKVClient().put(key, value).get(10, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new AssertionError("write " + i, e);
            }
        }
    }

    private static void compact(Client c, List<Future<?>> writers, AtomicLong compactions) {
        Random random = new Random(SEED + 1);
        while (writers.stream().anyMatch(w -> !w.isDone())) {
            try {
                long current = c.getKVClient().get(bs("r/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                c.getKVClient().compact(Math.max(1, current - 20)).get(10, TimeUnit.SECONDS);
                compactions.incrementAndGet();
            } catch (Exception e) {
                // at or below the last compaction: nothing to do
            }
            LockSupportPause.pause(100 + random.nextInt(200));
        }
    }

    /** Lets time pass on purpose between random steps of the workload; no test waits on it for a condition. */
    private static final class LockSupportPause {
        static void pause(long millis) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
        }
    }
}
