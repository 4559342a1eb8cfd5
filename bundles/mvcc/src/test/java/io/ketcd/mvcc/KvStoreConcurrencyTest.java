package io.ketcd.mvcc;

import static io.ketcd.mvcc.Requests.b;
import static io.ketcd.mvcc.Requests.del;
import static io.ketcd.mvcc.Requests.op;
import static io.ketcd.mvcc.Requests.put;
import static io.ketcd.mvcc.Requests.range;
import static io.ketcd.mvcc.Requests.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads on other threads while the writer writes and compacts: every read must see whole
 * writes only (each write changes keys a and b together, to the same value) and never a
 * revision compaction removed under it.
 */
class KvStoreConcurrencyTest {

    private static final int WRITES = 1_000;

    @TempDir
    Path dir;

    @Test
    void readersSeeWholeWritesOnMemory() throws Exception {
        run(new MemoryBackend());
    }

    @Test
    void readersSeeWholeWritesOnMvStore() throws Exception {
        // no background commits: their fsyncs would only slow the writer down, not test reads
        try (Backend backend = MvStoreBackend.open(dir.resolve("db"), BackendOptions.DEFAULTS.withBatchInterval(Duration.ofHours(1)))) {
            run(backend);
        }
    }

    private void run(Backend backend) throws Exception {
        KvStore store = new KvStore(backend);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                long seed = r;
                readers.add(pool.submit(() -> read(store, writing, new Random(seed))));
            }
            Future<?> writer = pool.submit(() -> {
                try {
                    write(store);
                } finally {
                    writing.set(false);
                }
            });
            writer.get(60, TimeUnit.SECONDS);
            for (Future<Integer> reader : readers) {
                assertThat(reader.get(60, TimeUnit.SECONDS)).as("reads checked").isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void write(KvStore store) {
        for (int i = 1; i <= WRITES; i++) {
            if (i % 7 == 0) {
                store.txn(txn(List.of(), List.of(op(del("a")), op(del("b"))), List.of()).build());
            } else {
                store.txn(txn(List.of(), List.of(op(put("a", "v" + i)), op(put("b", "v" + i))), List.of()).build());
            }
            if (i % 100 == 0) {
                store.compact(CompactionRequest.newBuilder().setRevision(store.currentRevision() - 20).build());
            }
        }
    }

    private static int read(KvStore store, AtomicBoolean writing, Random random) {
        int checked = 0;
        while (writing.get()) {
            long now = store.currentRevision();
            long at = random.nextBoolean() ? 0 : Math.max(1, now - random.nextInt(40));
            RangeResponse r;
            try {
                if (random.nextBoolean()) {
                    r = store.range(range("a", "c").setRevision(at).build());
                } else {
                    TxnResponse t = store.txn(txn(List.of(), List.of(op(range("a", "c").setRevision(at))), List.of()).build());
                    r = t.getResponses(0).getResponseRange();
                }
            } catch (EtcdException e) {
                assertThat(e.error()).as("only an old revision may fail").isEqualTo(EtcdError.COMPACTED);
                assertThat(at).isPositive();
                continue;
            }
            assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(now);
            List<KeyValue> kvs = r.getKvsList();
            if (kvs.isEmpty()) {
                checked++;
                continue;
            }
            assertThat(kvs).hasSize(2);
            assertThat(kvs.get(0).getKey()).isEqualTo(b("a"));
            assertThat(kvs.get(0).getValue()).as("a and b change together").isEqualTo(kvs.get(1).getValue());
            assertThat(kvs.get(0).getModRevision()).isEqualTo(kvs.get(1).getModRevision())
                    .isLessThanOrEqualTo(r.getHeader().getRevision());
            checked++;
        }
        return checked;
    }
}
