package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTest {

    private static final byte[] METADATA = "node 1, cluster 7".getBytes(UTF_8);
    private static final String SEGMENT = "0000000000000000-0000000000000000.wal";

    @TempDir
    Path tmp;

    private static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term)
                .setData(ByteString.copyFromUtf8("put k" + index + " at term " + term)).build();
    }

    private static List<Entry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to).mapToObj(i -> entry(i, term)).toList();
    }

    private static HardState state(long term, long vote, long commit) {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
    }

    private static long size(Path dir) throws IOException {
        return Files.size(dir.resolve(SEGMENT));
    }

    /** A copy of the WAL in {@code source} with its segment cut to {@code length} bytes. */
    private Path truncatedCopy(Path source, String name, long length) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        byte[] bytes = Files.readAllBytes(source.resolve(SEGMENT));
        Files.write(dir.resolve(SEGMENT), Arrays.copyOf(bytes, (int) length));
        return dir;
    }

    private static WalContents reopen(Path dir) throws IOException {
        try (Wal wal = Wal.open(dir)) {
            return wal.readAll(0);
        }
    }

    /**
     * A WAL holding entries 1..5 and state (2, 1, 3), where every save after the first wrote
     * exactly one record; returns the segment's size before each of those saves, then its final
     * size, i.e. the frame boundaries of the last five records.
     */
    private List<Long> walOfSingleRecords(Path dir) throws IOException {
        List<Long> boundaries = new ArrayList<>();
        try (Wal wal = Wal.create(dir, METADATA)) {
            wal.save(state(1, 1, 0), entries(1, 2, 1));
            boundaries.add(wal.recordsEnd());
            wal.save(state(2, 1, 0), List.of());
            boundaries.add(wal.recordsEnd());
            wal.save(null, entries(3, 3, 2));
            boundaries.add(wal.recordsEnd());
            wal.save(state(2, 1, 3), List.of());
            boundaries.add(wal.recordsEnd());
            wal.save(null, entries(4, 4, 2));
            boundaries.add(wal.recordsEnd());
            wal.save(null, entries(5, 5, 2));
            boundaries.add(wal.recordsEnd());
        }
        return boundaries;
    }

    @Test
    void createSaveAndReopenRoundTrip() throws IOException {
        Path dir = tmp.resolve("member/wal");
        assertThat(Wal.exists(dir)).isFalse();
        try (Wal wal = Wal.create(dir, METADATA)) {
            assertThat(wal.lastIndex()).isZero();
            wal.save(state(1, 1, 0), entries(1, 3, 1));
            wal.save(state(1, 1, 3), List.of());
            assertThat(wal.recordsEnd() % 8).as("frames are 8-byte aligned").isZero();
            assertThat(size(dir)).as("the file is preallocated beyond its records").isGreaterThan(wal.recordsEnd());
        }
        assertThat(Wal.exists(dir)).isTrue();
        assertThat(dir.resolve(SEGMENT)).exists();

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.lastIndex()).isEqualTo(3);
            WalContents contents = wal.readAll(0);
            assertThat(contents.metadata()).isEqualTo(METADATA);
            assertThat(contents.hardState()).isEqualTo(state(1, 1, 3));
            assertThat(contents.entries()).isEqualTo(entries(1, 3, 1));
            wal.save(state(2, 2, 3), entries(4, 4, 2));
        }
        WalContents contents = reopen(dir);
        assertThat(contents.hardState()).isEqualTo(state(2, 2, 3));
        assertThat(contents.entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void unsyncedSavesAreWrittenAndKeptAcrossSegmentCutsAndClose() throws IOException {
        Path dir = tmp.resolve("unsynced");
        try (Wal wal = Wal.create(dir, METADATA, 4096)) {
            for (long i = 1; i <= 100; i++) {
                wal.save(state(1, 1, i - 1), entries(i, i, 1), true);
                // only the commit index moves: written, synced by the next synced save or cut
                wal.save(state(1, 1, i), List.of(), false);
            }
            assertThat(wal.segmentFiles()).hasSizeGreaterThan(1);
        }
        WalContents contents = reopen(dir);
        assertThat(contents.entries()).extracting(Entry::getIndex).containsExactlyElementsOf(
                LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(contents.hardState()).isEqualTo(state(1, 1, 100));
    }

    @Test
    void createRefusesAnExistingWalAndOpenNeedsOne() throws IOException {
        Path dir = tmp.resolve("wal");
        assertThatThrownBy(() -> Wal.open(dir)).isInstanceOf(NoSuchFileException.class);
        Wal.create(dir, METADATA).close();
        assertThatThrownBy(() -> Wal.create(dir, "other".getBytes(UTF_8)))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(reopen(dir).metadata()).isEqualTo(METADATA);
        assertThat(dir.resolve(SEGMENT + ".tmp")).doesNotExist();
    }

    @Test
    void aWalIsOpenOnlyOnce() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA)) {
            assertThatThrownBy(() -> Wal.open(dir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("locked");
        }
        reopen(dir);
    }

    @Test
    void laterEntriesOverwriteTheConflictingTail() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA)) {
            wal.save(state(1, 1, 2), entries(1, 5, 1));
            // a new leader at term 2 replaces 4 and 5 with its own 4
            wal.save(state(2, 2, 2), entries(4, 4, 2));
            assertThat(wal.lastIndex()).isEqualTo(4);
            assertThat(wal.readAll(0).entries()).extracting(Entry::getTerm)
                    .containsExactly(1L, 1L, 1L, 2L);
            wal.save(null, entries(5, 6, 2));
            // and a later one rewrites from 3
            wal.save(state(3, 3, 2), entries(3, 3, 3));
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.lastIndex()).isEqualTo(3);
            WalContents contents = wal.readAll(0);
            assertThat(contents.entries()).containsExactly(entry(1, 1), entry(2, 1), entry(3, 3));
            assertThat(contents.hardState()).isEqualTo(state(3, 3, 2));
        }
    }

    @Test
    void readAllReturnsOnlyEntriesAfterTheIndex() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA)) {
            wal.save(state(1, 1, 5), entries(1, 5, 1));
            assertThat(wal.readAll(3).entries()).containsExactly(entry(4, 1), entry(5, 1));
            assertThat(wal.readAll(5).entries()).isEmpty();
            assertThat(wal.readAll(9).entries()).isEmpty();
            // an overwrite at or below the index removes the kept tail above it as well
            wal.save(null, entries(3, 3, 2));
            assertThat(wal.readAll(3).entries()).isEmpty();
            assertThat(wal.readAll(2).entries()).containsExactly(entry(3, 2));
        }
    }

    @Test
    void saveSkipsUnchangedStateAndSyncsNothingWhenEmpty() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA)) {
            long empty = wal.recordsEnd();
            wal.save(null, List.of());
            wal.save(HardState.getDefaultInstance(), List.of());
            assertThat(wal.recordsEnd()).isEqualTo(empty);
            wal.save(state(1, 1, 0), List.of());
            long withState = wal.recordsEnd();
            assertThat(withState).isGreaterThan(empty);
            wal.save(state(1, 1, 0), List.of());
            assertThat(wal.recordsEnd()).isEqualTo(withState);
        }
    }

    @Test
    void saveRejectsGapsWithoutWriting() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA)) {
            wal.save(state(1, 1, 0), entries(1, 2, 1));
            long before = wal.recordsEnd();
            assertThatThrownBy(() -> wal.save(null, entries(4, 4, 1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wal.save(null, List.of(entry(3, 1), entry(5, 1))))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(wal.recordsEnd()).isEqualTo(before);
            wal.save(null, entries(3, 3, 1));
            assertThat(wal.lastIndex()).isEqualTo(3);
        }
        assertThat(reopen(dir).entries()).isEqualTo(entries(1, 3, 1));
    }

    @Test
    void aTornLastEntryIsCutAtEveryOffset() throws IOException {
        Path source = tmp.resolve("source");
        List<Long> bounds = walOfSingleRecords(source);
        long start = bounds.get(4);
        long end = bounds.get(5);
        for (long cut = start; cut < end; cut++) {
            Path dir = truncatedCopy(source, "cut-" + cut, cut);
            try (Wal wal = Wal.open(dir)) {
                assertThat(size(dir)).as("repaired length, cut at %d", cut).isEqualTo(start);
                assertThat(wal.lastIndex()).as("cut at %d", cut).isEqualTo(4);
                WalContents contents = wal.readAll(0);
                assertThat(contents.metadata()).isEqualTo(METADATA);
                assertThat(contents.entries()).as("cut at %d", cut)
                        .containsExactly(entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2));
                assertThat(contents.hardState()).isEqualTo(state(2, 1, 3));
                wal.save(state(3, 3, 4), entries(5, 5, 3));
            }
            WalContents contents = reopen(dir);
            assertThat(contents.entries()).last().isEqualTo(entry(5, 3));
            assertThat(contents.hardState()).isEqualTo(state(3, 3, 4));
        }
    }

    @Test
    void aTornLastStateFallsBackToThePreviousState() throws IOException {
        Path source = tmp.resolve("source");
        List<Long> bounds = walOfSingleRecords(source);
        // the fourth save wrote only the state (2, 1, 3); the state before it is (2, 1, 0)
        for (long cut = bounds.get(2); cut < bounds.get(3); cut++) {
            WalContents contents = reopen(truncatedCopy(source, "cut-" + cut, cut));
            assertThat(contents.hardState()).as("cut at %d", cut).isEqualTo(state(2, 1, 0));
            assertThat(contents.entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void trailingZeroesAreKeptAndWrittenOver() throws IOException {
        // zeros after the last record: preallocated space, or a file that grew before its data arrived
        Path source = tmp.resolve("source");
        long end = walOfSingleRecords(source).get(5);
        Path dir = truncatedCopy(source, "wal", end);
        Files.write(dir.resolve(SEGMENT), new byte[4096], StandardOpenOption.APPEND);
        try (Wal wal = Wal.open(dir)) {
            assertThat(size(dir)).as("not cut").isEqualTo(end + 4096);
            assertThat(wal.recordsEnd()).isEqualTo(end);
            assertThat(wal.readAll(0).entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L, 4L, 5L);
            wal.save(state(3, 3, 5), entries(6, 6, 3));
            assertThat(size(dir)).as("written over the zeros").isEqualTo(end + 4096);
        }
        WalContents contents = reopen(dir);
        assertThat(contents.entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(contents.hardState()).isEqualTo(state(3, 3, 5));
    }

    @Test
    void onlyTheLastSegmentEndsInZeros() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA, 256)) {
            for (long i = 1; i <= 20; i++) {
                wal.save(state(1, 1, i - 1), entries(i, i, 1));
            }
            List<Path> files = wal.segmentFiles();
            assertThat(files).hasSizeGreaterThan(2);
            for (Path file : files.subList(0, files.size() - 1)) {
                assertThat(Files.size(file)).as("%s cut back to its records", file).isLessThan(Wal.PREALLOCATE_BYTES);
            }
            assertThat(Files.size(files.get(files.size() - 1))).as("the last segment").isGreaterThan(Wal.PREALLOCATE_BYTES);
        }
        assertThat(reopen(dir).entries()).extracting(Entry::getIndex).hasSize(20);
    }

    @Test
    void aLastRecordZeroedInPlaceIsCut() throws IOException {
        // the file grew but the last record's data never arrived: its pages read as zeroes
        Path dir = tmp.resolve("wal");
        List<Long> bounds = walOfSingleRecords(dir);
        byte[] bytes = Files.readAllBytes(dir.resolve(SEGMENT));
        Arrays.fill(bytes, (int) (bounds.get(4) + 8), bytes.length, (byte) 0);
        Files.write(dir.resolve(SEGMENT), bytes);
        assertThat(reopen(dir).entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L, 4L);
        assertThat(size(dir)).isEqualTo(bounds.get(4));
    }

    @Test
    void aDamagedMiddleRecordIsCorruptionAtItsOffset() throws IOException {
        Path source = tmp.resolve("source");
        List<Long> bounds = walOfSingleRecords(source);
        // the third record of five: entry 3; every byte of its frame, padding included
        long start = bounds.get(2);
        for (long at = start; at < bounds.get(3); at++) {
            Path dir = tmp.resolve("flip-" + at);
            Files.createDirectories(dir);
            byte[] bytes = Files.readAllBytes(source.resolve(SEGMENT));
            bytes[(int) at] ^= (byte) 0x5A;
            Files.write(dir.resolve(SEGMENT), bytes);

            long flipped = at;
            assertThatThrownBy(() -> Wal.open(dir))
                    .as("byte %d flipped", flipped)
                    .isInstanceOfSatisfying(WalCorruptException.class, e -> {
                        assertThat(e.offset()).isEqualTo(start);
                        assertThat(e.file()).isEqualTo(dir.resolve(SEGMENT));
                    })
                    .hasMessageContaining(SEGMENT)
                    .hasMessageContaining("offset " + start);
            assertThat(Files.readAllBytes(dir.resolve(SEGMENT))).as("nothing dropped").isEqualTo(bytes);
        }
    }

    @Test
    void aDamagedLastRecordIsCutLikeATornOne() throws IOException {
        Path dir = tmp.resolve("wal");
        List<Long> bounds = walOfSingleRecords(dir);
        byte[] bytes = Files.readAllBytes(dir.resolve(SEGMENT));
        bytes[(int) (bounds.get(4) + 12)] ^= 1;
        Files.write(dir.resolve(SEGMENT), bytes);
        assertThat(reopen(dir).entries()).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aFileThatIsNotAWalIsCorrupt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("wal"));
        Files.writeString(dir.resolve(SEGMENT), "not a write-ahead log, just some text\n".repeat(10));
        assertThatThrownBy(() -> Wal.open(dir))
                .isInstanceOf(WalCorruptException.class)
                .hasMessageContaining("offset 0");
    }

    /**
     * Pins the byte format: a fixed history must produce exactly the checked-in segment, and that
     * segment must read back. Run with {@code -Drewrite=true} to regenerate after a deliberate
     * format change, and review the diff like code.
     */
    @Test
    void goldenSegmentIsStable() throws IOException {
        Path dir = tmp.resolve("golden");
        long end = walOfSingleRecords(dir).get(5);
        byte[] file = Files.readAllBytes(dir.resolve(SEGMENT));
        assertThat(Arrays.copyOfRange(file, (int) end, file.length)).as("preallocated").containsOnly(0);
        byte[] written = Arrays.copyOf(file, (int) end);
        if (Boolean.getBoolean("rewrite")) {
            Files.write(Path.of("src/test/resources/wal/golden.wal"), written);
        }
        byte[] golden;
        try (InputStream in = WalTest.class.getResourceAsStream("/wal/golden.wal")) {
            assertThat(in).as("src/test/resources/wal/golden.wal").isNotNull();
            golden = in.readAllBytes();
        }
        assertThat(written).isEqualTo(golden);

        Path copy = Files.createDirectories(tmp.resolve("copy"));
        Files.write(copy.resolve(SEGMENT), golden);
        WalContents contents = reopen(copy);
        assertThat(contents.metadata()).isEqualTo(METADATA);
        assertThat(contents.hardState()).isEqualTo(state(2, 1, 3));
        assertThat(contents.entries())
                .containsExactly(entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2));
    }
}
