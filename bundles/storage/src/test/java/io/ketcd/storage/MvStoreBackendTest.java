package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.testing.Await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStoreBackendTest {

    /** Long enough that the timer never fires during a test that counts commits by limit. */
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("member/snap/db");
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] b(int... unsigned) {
        byte[] out = new byte[unsigned.length];
        for (int i = 0; i < unsigned.length; i++) {
            out[i] = (byte) unsigned[i];
        }
        return out;
    }

    private static List<String> keys(Bucket bucket, byte[] from, byte[] to) {
        List<String> out = new ArrayList<>();
        bucket.scan(from, to, (k, v) -> out.add(new String(k, UTF_8) + "=" + new String(v, UTF_8)));
        return out;
    }

    /** Applies one "entry": puts a key and records its index, as the apply loop does. */
    private static void apply(Backend backend, long index, String key, String value) {
        backend.write(() -> {
            backend.bucket("key").put(b(key), b(value));
            backend.setConsistentIndex(index);
            return null;
        });
    }

    /**
     * Reopens the file and checks what the last commit holds: the consistent index and, per
     * argument, {@code "key=value"} present or {@code "!key"} absent in bucket "key".
     */
    private void assertCommitted(BackendOptions options, long index, String... expected)
            throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), options)) {
            assertThat(backend.consistentIndex()).isEqualTo(index);
            for (String e : expected) {
                if (e.startsWith("!")) {
                    assertThat(backend.bucket("key").get(b(e.substring(1)))).as(e).isNull();
                } else {
                    String[] kv = e.split("=", 2);
                    assertThat(backend.bucket("key").get(b(kv[0]))).as(e).isEqualTo(b(kv[1]));
                }
            }
        }
    }

    @Test
    void putGetDeleteAndScanRanges() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            Bucket bucket = backend.bucket("key");
            backend.write(() -> {
                for (String k : List.of("d", "a", "c", "b", "e")) {
                    bucket.put(b(k), b(k.toUpperCase()));
                }
                bucket.delete(b("c"));
                bucket.delete(b("missing"));
                return null;
            });

            assertThat(bucket.get(b("a"))).isEqualTo(b("A"));
            assertThat(bucket.get(b("c"))).isNull();
            assertThat(bucket.size()).isEqualTo(4);
            assertThat(keys(bucket, b("b"), b("e"))).containsExactly("b=B", "d=D");
            assertThat(keys(bucket, b("b"), null)).containsExactly("b=B", "d=D", "e=E");
            assertThat(keys(bucket, b("bb"), b("d\0"))).containsExactly("d=D");
            assertThat(keys(bucket, b("e"), b("b"))).isEmpty();
            assertThat(keys(bucket, b("d"), b("d"))).isEmpty();
            // buckets are separate key spaces
            assertThat(backend.bucket("other").get(b("a"))).isNull();
        }
    }

    @Test
    void keysOrderAsUnsignedBytes() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            Bucket bucket = backend.bucket("key");
            backend.write(() -> {
                bucket.put(b(0xFF), b("ff"));
                bucket.put(b(0x01), b("01"));
                bucket.put(b(0x80, 0x00), b("8000"));
                bucket.put(b(0x7F), b("7f"));
                bucket.put(b(0x01, 0x00), b("0100"));
                return null;
            });
            List<String> all = new ArrayList<>();
            bucket.scan(b(0x00), null, (k, v) -> all.add(new String(v, UTF_8)));
            assertThat(all).containsExactly("01", "0100", "7f", "8000", "ff");

            List<String> high = new ArrayList<>();
            bucket.scan(b(0x80), b(0xFF), (k, v) -> high.add(new String(v, UTF_8)));
            assertThat(high).containsExactly("8000");
        }
    }

    @Test
    void scanStopsWhenVisitorReturnsFalse() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            Bucket bucket = backend.bucket("key");
            backend.write(() -> {
                for (int i = 0; i < 10; i++) {
                    bucket.put(b("k" + i), b("v" + i));
                }
                return null;
            });
            List<String> seen = new ArrayList<>();
            bucket.scan(b("k"), null, (k, v) -> {
                seen.add(new String(k, UTF_8));
                return seen.size() < 3;
            });
            assertThat(seen).containsExactly("k0", "k1", "k2");
        }
    }

    @Test
    void dataAndConsistentIndexSurviveCloseAndReopen() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            assertThat(backend.consistentIndex()).isZero();
            apply(backend, 7, "a", "1");
            apply(backend, 8, "b", "2");
            assertThat(backend.consistentIndex()).isEqualTo(8);
        }
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            assertThat(backend.consistentIndex()).isEqualTo(8);
            assertThat(backend.bucket("key").get(b("b"))).isEqualTo(b("2"));
            assertThat(backend.sizeBytes()).isPositive();
            assertThat(backend.sizeInUseBytes()).isPositive().isLessThanOrEqualTo(backend.sizeBytes());
        }
    }

    @Test
    void setConsistentIndexOutsideWriteIsRefused() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            assertThatThrownBy(() -> backend.setConsistentIndex(3))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(backend.consistentIndex()).isZero();
        }
    }

    @Test
    void commitsWhenBatchLimitIsReached() throws IOException {
        BackendOptions options = new BackendOptions(NEVER, 3);
        try (MvStoreBackend backend = MvStoreBackend.open(file(), options)) {
            long initial = backend.commits();
            apply(backend, 1, "a", "1");
            apply(backend, 2, "b", "2");
            assertThat(backend.commits()).isEqualTo(initial);
            apply(backend, 3, "c", "3");
            assertThat(backend.commits()).isEqualTo(initial + 1);
            apply(backend, 4, "d", "4");
            backend.closeWithoutCommit();
        }
        assertCommitted(options, 3, "c=3", "!d");
    }

    @Test
    void commitsWhenBatchIntervalElapses() throws IOException {
        BackendOptions options = new BackendOptions(Duration.ofMillis(10), Integer.MAX_VALUE);
        try (MvStoreBackend backend = MvStoreBackend.open(file(), options)) {
            long before = backend.commits();
            apply(backend, 5, "a", "1");
            Await.until("a commit by the committer thread", Duration.ofSeconds(10), () -> backend.commits() > before);
            backend.closeWithoutCommit();
        }
        assertCommitted(options, 5, "a=1");
    }

    @Test
    void writesGoOnWhileTheCommitterSyncsAndEveryBatchStaysConsistent() throws IOException {
        // the committer fsyncs outside the write lock: writes interleave with its syncs, the
        // last batch it stored survives a crash with its index, and close stores the rest
        BackendOptions options = new BackendOptions(Duration.ofMillis(1), Integer.MAX_VALUE);
        try (MvStoreBackend backend = MvStoreBackend.open(file(), options)) {
            long before = backend.commits();
            for (int i = 1; i <= 500; i++) {
                apply(backend, i, "k" + i, "v" + i);
            }
            // one commit, not two: a committer that first runs after the last apply stores all 500
            // at once, and then has nothing new until the write below
            Await.until("a commit by the committer thread", Duration.ofSeconds(10), () -> backend.commits() > before);
            // read inside the write section, which excludes commits: any later commit holds it
            long seen = backend.write(() -> {
                backend.bucket("key").put(b("last"), b("x"));
                backend.setConsistentIndex(501);
                return backend.commits();
            });
            Await.until("a commit after the last write", Duration.ofSeconds(10), () -> backend.commits() > seen);
            backend.closeWithoutCommit();
        }
        assertCommitted(options, 501, "k1=v1", "k500=v500", "last=x");
    }

    @Test
    void commitMakesDurableAVersionTheCommitterStoredButHadNotSyncedYet() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), new BackendOptions(NEVER, Integer.MAX_VALUE))) {
            apply(backend, 1, "a", "1");
            // the committer's first half: a version stored under the lock, its fsync still to come
            assertThat(backend.storeBatch()).isEqualTo(backend.commits());
            assertThat(backend.durableCommits()).isLessThan(backend.commits());
            // nothing new to store, yet commit() must not return before that version is synced
            backend.commit();
            assertThat(backend.durableCommits()).isEqualTo(backend.commits());
        }
    }

    @Test
    void crashWithoutCommitKeepsLastCommittedBatchAndItsIndex() throws IOException {
        BackendOptions options = new BackendOptions(NEVER, Integer.MAX_VALUE);
        MvStoreBackend backend = MvStoreBackend.open(file(), options);
        apply(backend, 1, "a", "1");
        apply(backend, 2, "b", "2");
        backend.commit();
        apply(backend, 3, "a", "changed");
        apply(backend, 4, "c", "3");
        backend.write(() -> {
            backend.bucket("key").delete(b("b"));
            backend.setConsistentIndex(5);
            return null;
        });
        assertThat(backend.bucket("key").get(b("a"))).isEqualTo(b("changed"));
        backend.closeWithoutCommit();

        assertCommitted(options, 2, "a=1", "b=2", "!c");
        // and the file still takes writes
        try (MvStoreBackend reopened = MvStoreBackend.open(file(), options)) {
            apply(reopened, 3, "c", "again");
        }
        assertCommitted(options, 3, "c=again");
    }

    @Test
    void mvStoreNeverCommitsOnItsOwnUnderMemoryPressure() throws IOException {
        // MVStore by default stores by itself once ~19 MiB of changes are unsaved, which could
        // land a batch between a write's effects and its consistent index. 32 MiB stay unsaved.
        BackendOptions options = new BackendOptions(NEVER, Integer.MAX_VALUE);
        MvStoreBackend backend = MvStoreBackend.open(file(), options);
        apply(backend, 1, "a", "1");
        backend.commit();
        byte[] value = new byte[8 * 1024];
        for (int i = 0; i < 4096; i++) {
            int n = i;
            backend.write(() -> {
                backend.bucket("key").put(b("big" + n), value);
                backend.setConsistentIndex(2 + n);
                return null;
            });
        }
        assertThat(backend.commits()).isEqualTo(1);
        backend.closeWithoutCommit();
        assertCommitted(options, 1, "a=1", "!big0", "!big4095");
    }

    @Test
    void failedWriteAfterMutationStopsCommitsAndKeepsFileConsistent() throws IOException {
        BackendOptions options = new BackendOptions(NEVER, Integer.MAX_VALUE);
        MvStoreBackend backend = MvStoreBackend.open(file(), options);
        apply(backend, 1, "a", "1");
        backend.commit();
        // failing before any change is harmless
        assertThatThrownBy(() -> backend.write(() -> {
            throw new IllegalArgumentException("bad request");
        })).isInstanceOf(IllegalArgumentException.class);
        apply(backend, 2, "b", "2");

        assertThatThrownBy(() -> backend.write(() -> {
            backend.bucket("key").put(b("half"), b("done"));
            throw new IllegalArgumentException("apply bug");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(backend::commit)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inconsistent");
        assertThatThrownBy(() -> apply(backend, 3, "c", "3"))
                .isInstanceOf(IllegalStateException.class);
        backend.close();

        assertCommitted(options, 1, "a=1", "!b", "!half");
    }

    @Test
    void openingAFileThatIsNotAnMvStoreFailsNamingTheFile() throws IOException {
        Path notDb = dir.resolve("not-a-db");
        Files.writeString(notDb, "this is a text file, not an MVStore\n".repeat(200));
        assertThatThrownBy(() -> MvStoreBackend.open(notDb, BackendOptions.DEFAULTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(notDb.toString());
    }

    @Test
    void openingAFileAlreadyOpenFailsNamingTheFile() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(file(), BackendOptions.DEFAULTS)) {
            assertThatThrownBy(() -> MvStoreBackend.open(file(), BackendOptions.DEFAULTS))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(file().toString());
        }
    }

    @Test
    void optionsRejectNonPositiveValues() {
        assertThatThrownBy(() -> new BackendOptions(Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackendOptions.DEFAULTS.withBatchLimit(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(BackendOptions.DEFAULTS.batchInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(BackendOptions.DEFAULTS.batchLimit()).isEqualTo(10_000);
    }
}
