package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defragmenting a backend whose data was mostly deleted: the file shrinks, nothing is lost. */
class DefragmentTest {
    private static final BackendOptions OPTIONS = BackendOptions.DEFAULTS.withBatchInterval(Duration.ofHours(1));

    @TempDir
    Path dir;

    @Test
    void theFileShrinksToAboutItsLiveDataAndEveryKeyAndOpenSnapshotSurvives() throws Exception {
        Path file = dir.resolve("db");
        Random random = new Random(42);
        byte[] dumpBefore;
        try (MvStoreBackend backend = MvStoreBackend.open(file, OPTIONS)) {
            backend.setRetentionTime(0);
            for (int batch = 0; batch < 20; batch++) {
                int first = batch * 1_000;
                backend.write(() -> {
                    for (int i = first; i < first + 1_000; i++) {
                        byte[] value = new byte[1_024];
                        random.nextBytes(value);
                        backend.bucket("key").put(key(i), value);
                    }
                    return null;
                });
                backend.commit();
            }
            backend.write(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (i % 10 != 0) {
                        backend.bucket("key").delete(key(i));
                    }
                }
                backend.setConsistentIndex(99);
                return null;
            });
            backend.commit();
            long sizeBefore = backend.sizeBytes();

            try (BackendSnapshot open = backend.snapshot()) {
                dumpBefore = dump(open);
                backend.defragment();
                assertThat(dump(open)).as("a snapshot taken before still reads the same").isEqualTo(dumpBefore);
            }
            backend.defragment(); // what the open snapshot held back goes now
            long sizeAfter = backend.sizeBytes();
            assertThat(sizeAfter).isLessThan(sizeBefore / 3);
            assertThat(sizeAfter).isLessThan(backend.sizeInUseBytes() * 2 + 1_000_000);
            assertThat(backend.bucket("key").size()).isEqualTo(2_000);

            // writes go on afterwards
            backend.write(() -> {
                backend.bucket("key").put(key(1), new byte[] {1});
                return null;
            });
            backend.commit();
        }
        try (MvStoreBackend reopened = MvStoreBackend.open(file, OPTIONS)) {
            assertThat(reopened.bucket("key").size()).isEqualTo(2_001);
            assertThat(reopened.consistentIndex()).isEqualTo(99);
            assertThat(reopened.bucket("key").get(key(10))).hasSize(1_024);
        }
    }

    @Test
    void largeDeletedValuesAreReclaimedWhileReadersReadOnAndWritesFollow() throws Exception {
        Path file = dir.resolve("db");
        byte[] value = new byte[100 * 1024];
        new Random(7).nextBytes(value);
        try (MvStoreBackend backend = MvStoreBackend.open(file, OPTIONS)) {
            Bucket keys = backend.bucket("key");
            // etcd's shape: every key written twice, the first revision compacted away
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 200; i++) {
                    int n = round * 200 + i;
                    backend.write(() -> {
                        keys.put(key(n), value);
                        return null;
                    });
                }
                backend.commit();
            }
            backend.write(() -> {
                for (int i = 0; i < 200; i++) {
                    keys.delete(key(i));
                }
                return null;
            });
            backend.commit();
            long before = backend.sizeBytes();
            assertThat(before).as("400 values of 100 KiB").isGreaterThan(400L * value.length * 9 / 10);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicReference<Throwable> readFailure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        int n = 200 + (int) (reads.get() % 200);
                        assertThat(keys.get(key(n))).isEqualTo(value);
                        long[] seen = {0};
                        keys.scan(key(390), null, (k, v) -> ++seen[0] > 0);
                        assertThat(seen[0]).isEqualTo(10);
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    readFailure.set(t);
                }
            });
            reader.start();
            try {
                backend.defragment();
                long readsAfterDefragment = reads.get();
                await(() -> reads.get() > readsAfterDefragment + 100 || readFailure.get() != null);
            } finally {
                stop.set(true);
                reader.join();
            }
            assertThat(readFailure.get()).isNull();

            long after = backend.sizeBytes();
            assertThat(after).as("200 live values of 100 KiB").isLessThan(before * 6 / 10);
            assertThat(backend.sizeInUseBytes()).isBetween(after / 2, after);
            backend.write(() -> {
                keys.put(key(0), new byte[] {1});
                backend.setConsistentIndex(7);
                return null;
            });
            backend.commit();
        }
        assertThat(dir.resolve("db.defrag.tmp")).doesNotExist();
        try (MvStoreBackend reopened = MvStoreBackend.open(file, OPTIONS)) {
            assertThat(reopened.bucket("key").size()).isEqualTo(201);
            assertThat(reopened.bucket("key").get(key(0))).containsExactly(1);
            assertThat(reopened.bucket("key").get(key(399))).isEqualTo(value);
            assertThat(reopened.consistentIndex()).isEqualTo(7);
        }
    }

    /** Parks between checks of a condition another thread makes true. */
    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    private static byte[] key(int i) {
        return String.format("k%08d", i).getBytes(UTF_8);
    }

    private static byte[] dump(BackendSnapshot snapshot) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        snapshot.writeTo(out);
        return out.toByteArray();
    }
}
