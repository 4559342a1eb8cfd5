package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ketcd.storage.internal.BackendDump;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendSnapshotTest {

    /** The timer never commits during a test; commits come from write limits, commit() and snapshot(). */
    private static final BackendOptions OPTIONS = BackendOptions.DEFAULTS.withBatchInterval(Duration.ofHours(1));
    private static final long SEED = 20261121L;

    @TempDir
    Path dir;

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
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

    private static byte[] random(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] dump(BackendSnapshot snapshot) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        snapshot.writeTo(out);
        return out.toByteArray();
    }

    /** A dump's buckets in order, each its entries as "hexkey=hexvalue" in order. */
    private static Map<String, List<String>> contents(byte[] dump) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        HexFormat hex = HexFormat.of();
        BackendDump.read(new ByteArrayInputStream(dump), new BucketSink() {
            List<String> entries;

            @Override
            public void bucket(String name) {
                entries = new ArrayList<>();
                out.put(name, entries);
            }

            @Override
            public void entry(byte[] key, byte[] value) {
                entries.add(hex.formatHex(key) + "=" + hex.formatHex(value));
            }
        });
        return out;
    }

    /** The expected dump contents of bucket {@code key} from a model (hex keys in unsigned order). */
    private static List<String> entries(TreeMap<String, String> model) {
        HexFormat hex = HexFormat.of();
        return model.entrySet().stream()
                .map(e -> hex.formatHex(b(e.getKey())) + "=" + hex.formatHex(b(e.getValue())))
                .toList();
    }

    private static byte[] index(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
    }

    private List<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void roundTripRestoresEveryBucketKeyValueAndTheConsistentIndex() throws IOException {
        Random random = new Random(SEED);
        byte[] oneMiB = random(random, 1 << 20);
        byte[] threeMiB = random(random, 3 << 20);
        byte[] dump;
        try (MvStoreBackend source = MvStoreBackend.open(dir.resolve("a/db"), OPTIONS)) {
            source.bucket("lease"); // created, never written: must survive as an empty bucket
            source.write(() -> {
                Bucket key = source.bucket("key");
                key.put(b(0xFF), b("ff"));
                key.put(b(0x01), b("01"));
                key.put(b(0x01, 0x00), b());
                key.put(b("foo"), b("bar"));
                source.bucket("big").put(b("one"), oneMiB);
                source.bucket("big").put(b("three"), threeMiB);
                source.bucket("members").put(b("8e9e05c52164694d"), b("{\"id\":1}"));
                source.setConsistentIndex(42);
                return null;
            });
            try (BackendSnapshot snapshot = source.snapshot()) {
                assertThat(snapshot.consistentIndex()).isEqualTo(42);
                dump = dump(snapshot);
            }
        }
        assertThat(contents(dump)).containsOnlyKeys("big", "key", "lease", "members", "meta");
        assertThat(contents(dump).keySet()).as("buckets by name").containsExactly("big", "key", "lease", "members", "meta");
        assertThat(contents(dump).get("key")).as("unsigned key order").containsExactly("01=3031", "0100=", "666f6f=626172", "ff=6666");

        Path target = dir.resolve("b/db");
        assertThat(MvStoreBackend.restore(target, new ByteArrayInputStream(dump))).isEqualTo(42);
        assertThat(filesIn(target.getParent())).containsExactly("db");
        try (MvStoreBackend restored = MvStoreBackend.open(target, OPTIONS)) {
            assertThat(restored.consistentIndex()).isEqualTo(42);
            assertThat(restored.bucket("big").get(b("one"))).isEqualTo(oneMiB);
            assertThat(restored.bucket("big").get(b("three"))).isEqualTo(threeMiB);
            assertThat(restored.bucket("key").get(b(0x01, 0x00))).isEmpty();
            assertThat(restored.bucket("key").size()).isEqualTo(4);
            assertThat(restored.bucket("lease").size()).isZero();
            assertThat(restored.bucket("meta").get(b("consistent_index"))).isEqualTo(index(42));
            try (BackendSnapshot again = restored.snapshot()) {
                // same buckets (empty ones too), keys, values and index: byte for byte the same dump
                assertThat(dump(again)).isEqualTo(dump);
            }
        }
    }

    @Test
    void aNewBackendRoundTripsWithIndexZero() throws IOException {
        byte[] dump;
        try (MvStoreBackend source = MvStoreBackend.open(dir.resolve("a/db"), OPTIONS);
                BackendSnapshot snapshot = source.snapshot()) {
            assertThat(snapshot.consistentIndex()).isZero();
            dump = dump(snapshot);
        }
        assertThat(contents(dump)).containsExactly(Map.entry("meta", List.of()));
        assertThat(MvStoreBackend.restore(dir.resolve("b/db"), new ByteArrayInputStream(dump))).isZero();
        try (MvStoreBackend restored = MvStoreBackend.open(dir.resolve("b/db"), OPTIONS)) {
            assertThat(restored.consistentIndex()).isZero();
        }
    }

    /**
     * The snapshot holds the state at the moment it was taken while another thread overwrites,
     * deletes and adds keys and commits after every round. Dead chunks are reused at once
     * (retention 0), so this also shows the snapshot's pages stay pinned on disk.
     */
    @Test
    void snapshotIsPointInTimeWhileTheApplyThreadKeepsWriting() throws Exception {
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("db"), OPTIONS)) {
            backend.setRetentionTime(0);
            Bucket key = backend.bucket("key");
            TreeMap<String, String> model = new TreeMap<>();
            backend.write(() -> {
                for (int i = 0; i < 500; i++) {
                    String k = String.format("k%04d", i);
                    key.put(b(k), b("v0-" + k));
                    model.put(k, "v0-" + k);
                }
                backend.setConsistentIndex(10);
                return null;
            });

            BackendSnapshot snapshot = backend.snapshot();
            CountDownLatch firstRound = new CountDownLatch(1);
            int rounds = 40;
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int round = 1; round <= rounds; round++) {
                    int r = round;
                    backend.write(() -> {
                        for (int i = 0; i < 500; i++) {
                            String k = String.format("k%04d", i);
                            if (i % 7 == r % 7) {
                                key.delete(b(k));
                            } else {
                                key.put(b(k), b("v" + r + "-" + k));
                            }
                        }
                        key.put(b("new" + r), b("x"));
                        backend.bucket("later").put(b("r"), b(Integer.toString(r)));
                        backend.setConsistentIndex(10 + r);
                        return null;
                    });
                    backend.commit();
                    firstRound.countDown();
                }
            }, executor);

            assertThat(firstRound.await(10, TimeUnit.SECONDS)).isTrue();
            byte[] during = dump(snapshot);
            writer.get(30, TimeUnit.SECONDS);
            byte[] after = dump(snapshot);
            snapshot.close();

            assertThat(backend.consistentIndex()).isEqualTo(10 + rounds);
            assertThat(snapshot.consistentIndex()).isEqualTo(10);
            assertThat(after).isEqualTo(during);
            Map<String, List<String>> contents = contents(during);
            assertThat(contents).containsOnlyKeys("key", "meta");
            assertThat(contents.get("key")).isEqualTo(entries(model));
            assertThat(contents.get("meta")).containsExactly(
                    HexFormat.of().formatHex(b("consistent_index")) + "=" + HexFormat.of().formatHex(index(10)));
        }
    }

    @Test
    void writersAreNotBlockedWhileADumpIsBeingWritten() throws Exception {
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("db"), OPTIONS)) {
            backend.write(() -> {
                backend.bucket("key").put(b("a"), b("1"));
                backend.setConsistentIndex(1);
                return null;
            });
            try (BackendSnapshot snapshot = backend.snapshot()) {
                byte[] expected = dump(snapshot);
                CountDownLatch writing = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                OutputStream stalled = new OutputStream() {
                    @Override
                    public void write(int b) {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] bytes, int off, int len) {
                        writing.countDown();
                        try {
                            // a slow peer: the stream stalls until the test lets it go
                            if (!release.await(10, TimeUnit.SECONDS)) {
                                throw new UncheckedIOException(new IOException("never released"));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new UncheckedIOException(new IOException(e));
                        }
                        sent.write(bytes, off, len);
                    }
                };
                CompletableFuture<Void> streaming = CompletableFuture.runAsync(() -> {
                    try {
                        snapshot.writeTo(stalled);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, executor);
                assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

                // the apply loop writes and commits while writeTo is stuck in the middle
                CompletableFuture.runAsync(() -> {
                    backend.write(() -> {
                        backend.bucket("key").put(b("a"), b("2"));
                        backend.bucket("key").put(b("b"), b("3"));
                        backend.setConsistentIndex(2);
                        return null;
                    });
                    backend.commit();
                }, executor).get(10, TimeUnit.SECONDS);
                assertThat(streaming).isNotDone();

                release.countDown();
                streaming.get(10, TimeUnit.SECONDS);
                assertThat(sent.toByteArray()).isEqualTo(expected);
                assertThat(backend.bucket("key").get(b("a"))).isEqualTo(b("2"));
                assertThat(backend.consistentIndex()).isEqualTo(2);
            }
        }
    }

    @Test
    void writeToTwiceGivesIdenticalBytes() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("db"), OPTIONS)) {
            Random random = new Random(SEED);
            backend.write(() -> {
                for (int i = 0; i < 300; i++) {
                    backend.bucket("key").put(random(random, 1 + random.nextInt(40)), random(random, random.nextInt(2000)));
                }
                backend.setConsistentIndex(7);
                return null;
            });
            try (BackendSnapshot snapshot = backend.snapshot()) {
                byte[] first = dump(snapshot);
                byte[] second = dump(snapshot);
                backend.write(() -> {
                    backend.bucket("key").put(b("late"), b("x"));
                    backend.setConsistentIndex(8);
                    return null;
                });
                assertThat(first.length).as("several chunks").isGreaterThan(2 * BackendDump.MAX_CHUNK);
                assertThat(second).isEqualTo(first);
                assertThat(dump(snapshot)).isEqualTo(first);
            }
        }
    }

    /** A dump of a few hundred bytes over two buckets and an empty one. */
    private byte[] smallDump() throws IOException {
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("source/db"), OPTIONS)) {
            backend.bucket("empty");
            backend.write(() -> {
                backend.bucket("key").put(b("a"), b("apple"));
                backend.bucket("key").put(b("b"), b("banana"));
                backend.bucket("lease").put(b(0x00, 0x01), b(0xFF));
                backend.setConsistentIndex(99);
                return null;
            });
            try (BackendSnapshot snapshot = backend.snapshot()) {
                return dump(snapshot);
            }
        }
    }

    /** Restores {@code dump} expecting corruption, and that it left nothing behind. */
    private void assertRejected(byte[] dump, int length, Path target, String what) throws IOException {
        BackendDumpCorruptException e = catchThrowableOfType(BackendDumpCorruptException.class,
                () -> MvStoreBackend.restore(target, new ByteArrayInputStream(dump, 0, length)));
        assertThat(e).as(what).isNotNull();
        assertThat(e.offset()).as(what).isBetween(0L, (long) length);
        assertThat(e.getMessage()).as(what).contains("at byte offset " + e.offset());
        assertThat(filesIn(target.getParent())).as(what).isEmpty();
    }

    @Test
    void truncationAtEveryOffsetIsDetectedAndLeavesNoFile() throws IOException {
        byte[] dump = smallDump();
        assertThat(dump.length).isLessThan(400);
        Path target = Files.createDirectories(dir.resolve("restore")).resolve("db");
        for (int length = 0; length < dump.length; length++) {
            assertRejected(dump, length, target, "cut to " + length + " bytes");
        }
        byte[] longer = Arrays.copyOf(dump, dump.length + 1);
        assertRejected(longer, longer.length, target, "a byte after the trailer");

        assertThat(MvStoreBackend.restore(target, new ByteArrayInputStream(dump))).isEqualTo(99);
        assertThat(filesIn(target.getParent())).containsExactly("db");
    }

    @Test
    void aChangedByteAtEveryOffsetIsDetectedAndLeavesNoFile() throws IOException {
        byte[] dump = smallDump();
        Path target = Files.createDirectories(dir.resolve("restore")).resolve("db");
        Random random = new Random(SEED);
        for (int offset = 0; offset < dump.length; offset++) {
            byte[] damaged = dump.clone();
            int mask = 1 + random.nextInt(255);
            damaged[offset] ^= (byte) mask;
            assertRejected(damaged, damaged.length, target,
                    "byte " + offset + " xor " + Integer.toHexString(mask));
        }
    }

    /**
     * The same over a dump of several chunks (a value spans three of them): every offset near a
     * chunk boundary, and a sample of the rest, which restoring at every offset would make slow.
     */
    @Test
    void truncationAndDamageAcrossChunkBoundariesAreDetected() throws IOException {
        byte[] dump;
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("source/db"), OPTIONS)) {
            backend.write(() -> {
                backend.bucket("key").put(b("big"), random(new Random(SEED), 150_000));
                backend.bucket("key").put(b("small"), b("s"));
                backend.setConsistentIndex(5);
                return null;
            });
            try (BackendSnapshot snapshot = backend.snapshot()) {
                dump = dump(snapshot);
            }
        }
        // header 12, then chunks of 5 + payload + 4
        List<Integer> boundaries = new ArrayList<>();
        for (int at = 12; at < dump.length; at += 9 + ByteBuffer.wrap(dump).getInt(at)) {
            boundaries.add(at);
        }
        assertThat(boundaries).as("three data chunks and the trailer").hasSize(4);
        List<Integer> offsets = new ArrayList<>();
        for (int at : boundaries) {
            for (int d = -9; d <= 9; d++) {
                offsets.add(at + d);
            }
        }
        for (int at = 0; at < dump.length; at += 4999) {
            offsets.add(at);
        }
        Path target = Files.createDirectories(dir.resolve("restore")).resolve("db");
        Random random = new Random(SEED);
        for (int offset : offsets) {
            if (offset < 0 || offset >= dump.length) {
                continue;
            }
            assertRejected(dump, offset, target, "cut to " + offset + " bytes");
            byte[] damaged = dump.clone();
            damaged[offset] ^= (byte) (1 + random.nextInt(255));
            assertRejected(damaged, damaged.length, target, "byte " + offset + " changed");
        }
    }

    @Test
    void restoreReplacesAnExistingTargetOnlyWhenTheDumpIsGood() throws IOException {
        Path target = dir.resolve("member/snap/db");
        try (MvStoreBackend old = MvStoreBackend.open(target, OPTIONS)) {
            old.write(() -> {
                old.bucket("key").put(b("old"), b("1"));
                old.bucket("gone").put(b("x"), b("y"));
                old.setConsistentIndex(3);
                return null;
            });
        }
        byte[] before = Files.readAllBytes(target);
        byte[] dump = smallDump();

        byte[] damaged = dump.clone();
        damaged[damaged.length / 2] ^= 0x40;
        assertThatThrownBy(() -> MvStoreBackend.restore(target, new ByteArrayInputStream(damaged)))
                .isInstanceOf(BackendDumpCorruptException.class);
        assertThat(Files.readAllBytes(target)).as("old file untouched").isEqualTo(before);
        assertThat(filesIn(target.getParent())).containsExactly("db");

        // a leftover of an interrupted restore is discarded, not built upon
        Files.write(target.resolveSibling("db.restore.tmp"), b("garbage from a crash"));
        assertThat(MvStoreBackend.restore(target, new ByteArrayInputStream(dump))).isEqualTo(99);
        assertThat(filesIn(target.getParent())).containsExactly("db");
        try (MvStoreBackend restored = MvStoreBackend.open(target, OPTIONS);
                BackendSnapshot snapshot = restored.snapshot()) {
            assertThat(restored.consistentIndex()).isEqualTo(99);
            assertThat(restored.bucket("key").get(b("old"))).isNull();
            assertThat(restored.bucket("key").get(b("b"))).isEqualTo(b("banana"));
            assertThat(dump(snapshot)).isEqualTo(dump);
            assertThat(contents(dump(snapshot))).doesNotContainKey("gone");
        }
    }

    @Test
    void aClosedSnapshotOrBackendRefusesToWrite() throws IOException {
        Path file = dir.resolve("db");
        MvStoreBackend backend = MvStoreBackend.open(file, OPTIONS);
        BackendSnapshot closedSnapshot = backend.snapshot();
        closedSnapshot.close();
        closedSnapshot.close(); // idempotent
        assertThatThrownBy(() -> closedSnapshot.writeTo(OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class).hasMessageContaining("snapshot").hasMessageContaining("closed");

        BackendSnapshot open = backend.snapshot();
        backend.close();
        assertThatThrownBy(() -> open.writeTo(OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class).hasMessageContaining("was closed under its snapshot");
        open.close();
        assertThatThrownBy(backend::snapshot).isInstanceOf(IllegalStateException.class);
    }
}
