package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's backend hash over ketcd's buckets: the data, not the consistent index. */
class BackendHashTest {
    private static final BackendOptions OPTIONS = BackendOptions.DEFAULTS.withBatchInterval(Duration.ofHours(1));

    @TempDir
    Path dir;

    private int hash(String name, long consistentIndex, String value) throws Exception {
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve(name + "/db"), OPTIONS)) {
            backend.write(() -> {
                backend.bucket("key").put("a".getBytes(UTF_8), value.getBytes(UTF_8));
                backend.bucket("lease").put("l".getBytes(UTF_8), new byte[] {1});
                backend.setConsistentIndex(consistentIndex);
                return null;
            });
            try (BackendSnapshot snapshot = backend.snapshot()) {
                ByteArrayOutputStream dump = new ByteArrayOutputStream();
                snapshot.writeTo(dump);
                int viaPipe = BackendHash.of(snapshot);
                assertThat(BackendHash.of(new ByteArrayInputStream(dump.toByteArray()))).isEqualTo(viaPipe);
                return viaPipe;
            }
        }
    }

    @Test
    void theSameDataHashesTheSameWhateverTheConsistentIndexAndOtherDataDiffers() throws Exception {
        int first = hash("one", 10, "v");
        assertThat(hash("two", 99, "v")).isEqualTo(first);
        assertThat(hash("three", 10, "w")).isNotEqualTo(first);
    }
}
