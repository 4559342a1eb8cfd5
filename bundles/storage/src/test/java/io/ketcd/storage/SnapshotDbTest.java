package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backend backup in etcd's snapshot shape: written, sized, checked and restored. */
class SnapshotDbTest {
    private static final BackendOptions OPTIONS = BackendOptions.DEFAULTS.withBatchInterval(Duration.ofHours(1));

    @TempDir
    Path dir;

    private byte[] backup(int keys) throws Exception {
        Random random = new Random(keys);
        try (MvStoreBackend source = MvStoreBackend.open(dir.resolve("source-" + keys + "/db"), OPTIONS)) {
            source.write(() -> {
                for (int i = 0; i < keys; i++) {
                    byte[] value = new byte[random.nextInt(300)];
                    random.nextBytes(value);
                    source.bucket("key").put(("k" + i).getBytes(UTF_8), value);
                }
                source.setConsistentIndex(7 + keys);
                return null;
            });
            try (BackendSnapshot snapshot = source.snapshot()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                SnapshotDb.write(snapshot, out);
                assertThat(SnapshotDb.size(snapshot)).isEqualTo(out.size());
                return out.toByteArray();
            }
        }
    }

    @Test
    void aBackupIsWholeBlocksAndAHashAsEtcdctlChecksAndRestoresToTheSameBackend() throws Exception {
        for (int keys : new int[] {0, 1, 100, 5_000}) {
            byte[] file = backup(keys);
            // etcdctl snapshot save: hasChecksum(size) is size % 512 == sha256.Size
            assertThat(file.length % 512).as("%d keys", keys).isEqualTo(32);
            byte[] data = Arrays.copyOf(file, file.length - 32);
            assertThat(Arrays.copyOfRange(file, file.length - 32, file.length))
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));

            Path saved = Files.write(dir.resolve("backup-" + keys + ".db"), file);
            Path target = dir.resolve("restored-" + keys + "/db");
            long restoredIndex = SnapshotDb.<Long>readDump(saved, dump -> MvStoreBackend.restore(target, dump));
            assertThat(restoredIndex).isEqualTo(7 + keys);
            try (MvStoreBackend restored = MvStoreBackend.open(target, OPTIONS)) {
                assertThat(restored.bucket("key").size()).isEqualTo(keys);
            }
        }
    }

    @Test
    void aDamagedOrCutOrForeignFileIsRefusedBeforeAnythingIsWritten() throws Exception {
        byte[] file = backup(200);
        Path target = dir.resolve("never/db");

        byte[] flipped = file.clone();
        flipped[1000] ^= 0x10;
        assertRefused(flipped, target, "expected sha256 ");

        assertRefused(Arrays.copyOf(file, file.length - 1), target, "not a whole number of 512-byte blocks");
        assertRefused(Arrays.copyOf(file, file.length - 512), target, "expected sha256 ");

        byte[] wrongHash = file.clone();
        wrongHash[wrongHash.length - 1] ^= 1;
        assertRefused(wrongHash, target, "expected sha256 ");

        // blocks and a hash that match, but no dump length where ketcd puts it (an etcd file, say)
        byte[] foreign = new byte[4 * 512 + 32];
        new Random(1).nextBytes(foreign);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(foreign, 4 * 512));
        System.arraycopy(hash, 0, foreign, 4 * 512, 32);
        assertRefused(foreign, target, "neither a ketcd snapshot");

        assertThat(Files.exists(target.getParent())).isFalse();
    }

    private void assertRefused(byte[] bytes, Path target, String reason) throws IOException {
        Path file = Files.write(dir.resolve("bad.db"), bytes);
        assertThatThrownBy(() -> SnapshotDb.readDump(file, dump -> MvStoreBackend.restore(target, dump)))
                .isInstanceOf(SnapshotCorruptException.class).hasMessageContaining(reason);
    }
}
