package io.ketcd.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdException;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.testing.Await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * Random writes (puts, deletes, txns, compactions) while watchers start at random past, present
 * and future revisions on random keys and ranges, some with filters, spread over streams whose
 * consumers sometimes stop reading for a while. Every watcher must receive exactly the model's
 * history of its keys from its start revision, in order, nothing missing and nothing twice, or,
 * when compaction overtook it, a prefix of that history and then the compaction notice. A
 * failure names the seed.
 */
class WatchableStoreModelTest {
    private static final int SEEDS = Integer.getInteger("watch.seeds", 100);
    private static final int WRITES = 1_500;
    private static final int STREAMS = 4;
    private static final List<ByteString> KEYS = List.of(b("a"), b("ab"), b("abc"), b("b"), b("bz"), b("c"),
            ByteString.copyFrom(new byte[] {0, 'x'}), ByteString.copyFrom(new byte[] {(byte) 0xff}));
    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void everyWatcherSeesExactlyTheHistoryOfItsKeysFromItsStart() throws Exception {
        int[] outcomes = new int[3]; // complete, compacted, held back at least once
        for (long seed = 1; seed <= SEEDS; seed++) {
            new Run(seed).run(outcomes);
        }
        // the generator must reach every case, or the test proves less than it claims
        assertThat(outcomes[0]).as("watchers that saw their whole history").isGreaterThan(SEEDS * 5);
        assertThat(outcomes[1]).as("watchers ended by compaction").isPositive();
        assertThat(outcomes[2]).as("runs in which some watcher was held back").isPositive();
    }

    /** One watcher as the test sees it: what it asked for and what it got. */
    private static final class Watch {
        final long id;
        final ByteString key;
        final ByteString rangeEnd;
        final long start;
        final boolean noPut;
        final boolean noDelete;
        final List<Event> received = new ArrayList<>();
        long compactedAt;
        long lastBatchRevision;

        Watch(long id, ByteString key, ByteString rangeEnd, long start, boolean noPut, boolean noDelete) {
            this.id = id;
            this.key = key;
            this.rangeEnd = rangeEnd;
            this.start = start;
            this.noPut = noPut;
            this.noDelete = noDelete;
        }
    }

    /** A stream and the thread that reads it, which the writer can pause. */
    private static final class Consumer implements Runnable {
        final WatchStream stream;
        final List<Watch> watches = new ArrayList<>();
        final Thread thread;
        volatile boolean paused;
        volatile boolean stopped;
        volatile AssertionError failure;

        Consumer(WatchableStore store, String name) {
            this.thread = new Thread(this, name);
            this.stream = store.newStream(() -> LockSupport.unpark(thread));
        }

        @Override
        public void run() {
            while (!stopped) {
                WatchBatch b = paused ? null : stream.poll();
                if (b == null) {
                    LockSupport.park(this);
                    continue;
                }
                try {
                    take(b);
                } catch (AssertionError e) {
                    failure = e;
                    return;
                }
            }
        }

        private void take(WatchBatch b) {
            Watch w;
            synchronized (watches) {
                w = watches.stream().filter(x -> x.id == b.watchId()).findFirst().orElseThrow(
                        () -> new AssertionError("a batch for unknown watcher " + b.watchId()));
            }
            assertThat(w.compactedAt).as("a batch after the compaction notice").isZero();
            if (b.compactRevision() != 0) {
                w.compactedAt = b.compactRevision();
                return;
            }
            for (Event e : b.events()) {
                assertThat(e.getKv().getModRevision()).as("an event after its batch's revision")
                        .isLessThanOrEqualTo(b.revision());
            }
            w.received.addAll(b.events());
            w.lastBatchRevision = b.revision();
        }

        void resume() {
            paused = false;
            LockSupport.unpark(thread);
        }

        boolean drained() {
            return paused || stream.queued() == 0;
        }
    }

    private static final class Run {
        private final long seed;
        private final Random random;
        private final MemoryBackend backend = new MemoryBackend();
        private final KvStore store = new KvStore(backend);
        private final EtcdModel model = new EtcdModel(lease -> false);
        private final WatchableStore watchable;
        private final List<Consumer> consumers = new ArrayList<>();

        Run(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.watchable = new WatchableStore(new WatchableStore.StoreAccess() {
                @Override
                public <T> T read(java.util.function.Function<KvStore, T> read) {
                    return read.apply(store);
                }
            }, new NamedThreads("watch-sync-" + seed));
        }

        void run(int[] outcomes) throws Exception {
            watchable.attach(store);
            for (int i = 0; i < STREAMS; i++) {
                Consumer c = new Consumer(watchable, "watch-consumer-" + seed + "-" + i);
                consumers.add(c);
                c.thread.start();
            }
            boolean heldBack = false;
            try {
                for (int n = 0; n < WRITES; n++) {
                    int dice = random.nextInt(100);
                    if (dice < 8) {
                        startWatch();
                    } else if (dice < 10) {
                        Consumer c = consumers.get(random.nextInt(STREAMS));
                        if (c.paused) {
                            c.resume();
                        } else {
                            c.paused = true;
                        }
                    } else if (dice < 11) {
                        compact();
                    } else {
                        write();
                    }
                    heldBack |= watchable.groupSizes()[2] > 0;
                }
                consumers.forEach(Consumer::resume);
                Await.until("seed " + seed + ": every watcher caught up and every stream drained", Duration.ofSeconds(60),
                        () -> {
                            int[] groups = watchable.groupSizes();
                            return groups[1] == 0 && groups[2] == 0 && consumers.stream().allMatch(Consumer::drained);
                        });
            } finally {
                consumers.forEach(c -> {
                    c.stopped = true;
                    LockSupport.unpark(c.thread);
                });
                for (Consumer c : consumers) {
                    c.thread.join(10_000);
                }
                watchable.close();
            }
            if (heldBack) {
                outcomes[2]++;
            }
            for (Consumer c : consumers) {
                if (c.failure != null) {
                    throw new AssertionError("seed " + seed, c.failure);
                }
                for (Watch w : c.watches) {
                    check(w, outcomes);
                }
            }
        }

        private void check(Watch w, int[] outcomes) {
            List<Event> expected = model.watchEvents(w.key, w.rangeEnd, w.start).stream()
                    .filter(e -> e.getType() == Event.EventType.PUT ? !w.noPut : !w.noDelete).toList();
            String what = "seed " + seed + ", watcher " + w.id + " of [" + w.key.toStringUtf8() + ", "
                    + w.rangeEnd.toStringUtf8() + ") from " + w.start;
            if (w.compactedAt != 0) {
                outcomes[1]++;
                assertThat(w.start).as(what + ": compacted at " + w.compactedAt).isLessThanOrEqualTo(w.compactedAt);
                assertThat(w.received).as(what + ": events before the compaction notice")
                        .isEqualTo(expected.subList(0, Math.min(w.received.size(), expected.size())));
            } else {
                outcomes[0]++;
                assertThat(w.received).as(what).isEqualTo(expected);
            }
        }

        private void startWatch() throws WatchRefusedException {
            Consumer c = consumers.get(random.nextInt(STREAMS));
            ByteString key = KEYS.get(random.nextInt(KEYS.size()));
            ByteString end = switch (random.nextInt(4)) {
                case 0 -> ByteString.EMPTY;
                case 1 -> FROM_KEY;
                case 2 -> prefixEnd(key);
                default -> KEYS.get(random.nextInt(KEYS.size())).concat(b("z"));
            };
            if (!end.isEmpty() && !end.equals(FROM_KEY)
                    && ByteString.unsignedLexicographicalComparator().compare(key, end) >= 0) {
                end = ByteString.EMPTY;
            }
            long current = store.currentRevision();
            long start = switch (random.nextInt(4)) {
                case 0 -> current + 1;
                case 1 -> current + 1 + random.nextInt(5);
                default -> 1 + random.nextInt((int) current);
            };
            boolean noPut = random.nextInt(10) == 0;
            boolean noDelete = !noPut && random.nextInt(10) == 0;
            synchronized (c.watches) {
                long id = c.stream.watch(0, key, end, start, noPut, noDelete);
                c.watches.add(new Watch(id, key, end, start, noPut, noDelete));
            }
        }

        /** etcdctl's {@code --prefix} range end: the key with its last byte below 0xff incremented. */
        private static ByteString prefixEnd(ByteString key) {
            byte[] end = key.toByteArray();
            for (int i = end.length - 1; i >= 0; i--) {
                if (end[i] != (byte) 0xff) {
                    end[i]++;
                    return ByteString.copyFrom(end, 0, i + 1);
                }
            }
            return FROM_KEY;
        }

        private void compact() {
            long current = store.currentRevision();
            long at = Math.max(1, current - random.nextInt(50));
            CompactionRequest req = CompactionRequest.newBuilder().setRevision(at).build();
            try {
                store.compact(req);
                model.compact(req);
            } catch (EtcdException e) {
                // at or below the last compaction: nothing changed
            }
        }

        private void write() {
            ByteString key = KEYS.get(random.nextInt(KEYS.size()));
            ByteString value = b("v" + random.nextInt(1000));
            switch (random.nextInt(6)) {
                case 0 -> {
                    DeleteRangeRequest d = DeleteRangeRequest.newBuilder().setKey(key).build();
                    assertThat(store.deleteRange(d)).isEqualTo(model.deleteRange(d));
                }
                case 1 -> {
                    DeleteRangeRequest d = DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(key.concat(b("z"))).build();
                    assertThat(store.deleteRange(d)).isEqualTo(model.deleteRange(d));
                }
                case 2 -> {
                    TxnRequest.Builder t = TxnRequest.newBuilder();
                    Set<ByteString> used = new HashSet<>();
                    for (int i = 0; i < 3; i++) {
                        ByteString k = KEYS.get(random.nextInt(KEYS.size()));
                        if (!used.add(k)) {
                            continue;
                        }
                        t.addSuccess(random.nextBoolean()
                                ? RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k).setValue(value))
                                : RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(k)));
                    }
                    assertThat(store.txn(t.build())).isEqualTo(model.txn(t.build()));
                }
                default -> {
                    PutRequest p = PutRequest.newBuilder().setKey(key).setValue(value).build();
                    assertThat(store.put(p)).isEqualTo(model.put(p));
                }
            }
            assertThat(store.currentRevision()).isEqualTo(model.rev());
        }
    }
}
