package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

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

    private static byte[] key(int i) {
        return String.format("k%08d", i).getBytes(UTF_8);
    }

    private static byte[] dump(BackendSnapshot snapshot) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        snapshot.writeTo(out);
        return out.toByteArray();
    }
}
