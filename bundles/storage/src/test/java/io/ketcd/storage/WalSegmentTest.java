package io.ketcd.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.walpb.WalSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments, snapshot markers, reading from a snapshot and releasing segments. */
class WalSegmentTest {

    private static final byte[] METADATA = "node 1, cluster 7".getBytes(UTF_8);
    /** Small segments so that a few dozen entries span several. */
    private static final long SEGMENT_BYTES = 1024;

    @TempDir
    Path tmp;

    static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term)
                .setData(ByteString.copyFromUtf8("put key-" + index + " value-" + "x".repeat(40))).build();
    }

    static List<Entry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to).mapToObj(i -> entry(i, term)).toList();
    }

    static HardState state(long term, long vote, long commit) {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
    }

    static WalSnapshot marker(long index, long term) {
        return WalSnapshot.newBuilder().setIndex(index).setTerm(term)
                .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3)).build();
    }

    private static List<String> names(Wal wal) {
        return wal.segmentFiles().stream().map(p -> p.getFileName().toString()).toList();
    }

    /** Entries 1..100 at term 1, saved 5 at a time with the commit following; about 11 segments. */
    private Path walOf100(Path dir) throws IOException {
        try (Wal wal = Wal.create(dir, METADATA, SEGMENT_BYTES)) {
            for (long i = 1; i <= 100; i += 5) {
                wal.save(state(1, 1, i + 4), entries(i, i + 4, 1));
            }
        }
        return dir;
    }

    @Test
    void segmentsAreCutWithEtcdNamesAndReadBackAsOneLog() throws IOException {
        Path dir = walOf100(tmp.resolve("wal"));
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            List<String> names = names(wal);
            assertThat(names).hasSizeGreaterThan(5);
            assertThat(names.get(0)).isEqualTo("0000000000000000-0000000000000000.wal");
            for (int i = 1; i < names.size(); i++) {
                // a cut follows a 5-entry save, so each segment starts after a multiple of 5
                long seq = Long.parseLong(names.get(i).substring(0, 16), 16);
                long first = Long.parseLong(names.get(i).substring(17, 33), 16);
                assertThat(seq).isEqualTo(i);
                assertThat((first - 1) % 5).as(names.get(i)).isZero();
            }
            for (Path segment : wal.segmentFiles().subList(0, names.size() - 1)) {
                assertThat(Files.size(segment)).as("cut once full").isGreaterThanOrEqualTo(SEGMENT_BYTES);
            }
            assertThat(wal.lastIndex()).isEqualTo(100);
            WalContents contents = wal.readAll(0);
            assertThat(contents.entries()).isEqualTo(entries(1, 100, 1));
            assertThat(contents.hardState()).isEqualTo(state(1, 1, 100));
            assertThat(contents.metadata()).isEqualTo(METADATA);
            assertThat(wal.readAll(97).entries()).isEqualTo(entries(98, 100, 1));
        }
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void aConflictingTailIsOverwrittenAcrossSegments() throws IOException {
        Path dir = walOf100(tmp.resolve("wal"));
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            // a new leader replaces everything from 12 on, several segments back
            wal.save(state(2, 2, 11), entries(12, 30, 2));
            assertThat(wal.lastIndex()).isEqualTo(30);
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            assertThat(wal.lastIndex()).isEqualTo(30);
            WalContents contents = wal.readAll(0);
            assertThat(contents.entries().subList(0, 11)).isEqualTo(entries(1, 11, 1));
            assertThat(contents.entries().subList(11, 30)).isEqualTo(entries(12, 30, 2));
            assertThat(contents.entries()).hasSize(30);
            assertThat(contents.hardState()).isEqualTo(state(2, 2, 11));
            // the segment cut after the overwrite is named after it: its first index went back
            assertThat(names(wal).get(names(wal).size() - 1)).endsWith("-000000000000001f.wal");
        }
    }

    @Test
    void theHardStateSurvivesTheSegmentsThatHeldIt() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA, SEGMENT_BYTES)) {
            wal.save(state(3, 2, 0), List.of());
            for (long i = 1; i <= 40; i += 4) {
                wal.save(null, entries(i, i + 3, 3));
            }
            wal.saveSnapshotMarker(marker(35, 3));
            assertThat(wal.releaseTo(35)).isPositive();
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            // the state was saved once, in segment 0; each cut repeated it in the new header
            WalContents contents = wal.readAll(marker(35, 3));
            assertThat(contents.hardState()).isEqualTo(state(3, 2, 0));
            assertThat(contents.metadata()).isEqualTo(METADATA);
            assertThat(contents.entries()).isEqualTo(entries(36, 40, 3));
        }
    }

    @Test
    void readingFromASnapshotNeedsItsMarker() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA, SEGMENT_BYTES)) {
            // the empty snapshot matches the start of a log that still has its first segment
            assertThat(wal.readAll(WalSnapshot.getDefaultInstance()).entries()).isEmpty();
            wal.save(state(2, 1, 10), entries(1, 20, 2));
            wal.saveSnapshotMarker(marker(10, 2));
            wal.save(state(2, 1, 20), List.of());

            WalContents contents = wal.readAll(marker(10, 2));
            assertThat(contents.entries()).isEqualTo(entries(11, 20, 2));
            assertThat(contents.hardState()).isEqualTo(state(2, 1, 20));
            // the conf state is not part of the match, as in etcd
            assertThat(wal.readAll(WalSnapshot.newBuilder().setIndex(10).setTerm(2).build()).entries())
                    .hasSize(10);
            assertThat(wal.readAll(WalSnapshot.getDefaultInstance()).entries()).isEqualTo(entries(1, 20, 2));

            assertThatThrownBy(() -> wal.readAll(marker(10, 3)))
                    .isInstanceOf(WalSnapshotException.class)
                    .hasMessageContaining("snapshot marker at index 10 has term 2, the snapshot has term 3");
            assertThatThrownBy(() -> wal.readAll(marker(15, 2)))
                    .isInstanceOf(WalSnapshotException.class)
                    .hasMessageContaining("no snapshot marker at index 15");
        }
    }

    @Test
    void aMarkerPastTheLogMovesTheLastIndex() throws IOException {
        // a follower far behind installs the leader's snapshot at 50: its log restarts after it
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA, SEGMENT_BYTES)) {
            wal.save(state(1, 1, 3), entries(1, 5, 1));
            wal.saveSnapshotMarker(marker(50, 4));
            assertThat(wal.lastIndex()).isEqualTo(50);
            assertThatThrownBy(() -> wal.save(null, entries(52, 52, 4)))
                    .isInstanceOf(IllegalArgumentException.class);
            wal.save(state(4, 0, 50), entries(51, 53, 4));
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            assertThat(wal.lastIndex()).isEqualTo(53);
            assertThat(wal.readAll(marker(50, 4)).entries()).isEqualTo(entries(51, 53, 4));
            // read without the snapshot, the entries before it are gone rather than left with a gap
            assertThat(wal.readAll(0).entries()).isEqualTo(entries(51, 53, 4));
            assertThat(wal.validSnapshots()).containsExactly(WalSnapshot.getDefaultInstance(), marker(50, 4));
        }
    }

    @Test
    void validSnapshotsAreTheMarkersUpToTheCommitIndex() throws IOException {
        Path dir = tmp.resolve("wal");
        try (Wal wal = Wal.create(dir, METADATA, SEGMENT_BYTES)) {
            wal.save(state(1, 1, 8), entries(1, 20, 1));
            wal.saveSnapshotMarker(marker(5, 1));
            wal.saveSnapshotMarker(marker(8, 1));
            // a marker beyond the commit index cannot belong to a durable snapshot
            wal.saveSnapshotMarker(marker(12, 1));
            assertThat(wal.validSnapshots())
                    .containsExactly(WalSnapshot.getDefaultInstance(), marker(5, 1), marker(8, 1));
        }
    }

    @Test
    void releaseDeletesTheSegmentsBeforeTheOneHoldingTheIndex() throws IOException {
        Path dir = walOf100(tmp.resolve("wal"));
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            wal.saveSnapshotMarker(marker(50, 1));
            List<String> before = names(wal);
            int holding = 0;
            for (int i = 0; i < before.size(); i++) {
                if (Long.parseLong(before.get(i).substring(17, 33), 16) <= 50) {
                    holding = i;
                }
            }
            assertThat(holding).isGreaterThan(1);
            assertThat(wal.releaseTo(50)).isEqualTo(holding);
            assertThat(names(wal)).isEqualTo(before.subList(holding, before.size()));
            for (String name : before.subList(0, holding)) {
                assertThat(dir.resolve(name)).doesNotExist();
            }
            assertThat(wal.releaseTo(50)).as("idempotent").isZero();
            assertThat(wal.readAll(marker(50, 1)).entries()).isEqualTo(entries(51, 100, 1));
            wal.save(state(1, 1, 101), entries(101, 101, 1));
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            assertThat(wal.lastIndex()).isEqualTo(101);
            assertThat(wal.readAll(marker(50, 1)).entries()).isEqualTo(entries(51, 101, 1));
            assertThat(wal.readAll(49).entries()).first().isEqualTo(entry(50, 1));
            assertThat(wal.validSnapshots()).containsExactly(marker(50, 1));
            assertThatThrownBy(() -> wal.readAll(0))
                    .isInstanceOf(WalSnapshotException.class)
                    .hasMessageContaining("no longer holds the log after index 0")
                    .hasMessageContaining("released");
            assertThatThrownBy(() -> wal.readAll(WalSnapshot.getDefaultInstance()))
                    .isInstanceOf(WalSnapshotException.class);
            // everything but the last segment can go; the last one always stays
            int left = names(wal).size();
            assertThat(wal.releaseTo(Long.MAX_VALUE)).isEqualTo(left - 1);
            assertThat(wal.readAll(100).entries()).containsExactly(entry(101, 1));
        }
    }

    @Test
    void aMissingMiddleSegmentIsCorruption() throws IOException {
        Path dir = walOf100(tmp.resolve("wal"));
        Path second;
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            second = wal.segmentFiles().get(2);
        }
        Files.delete(second);
        assertThatThrownBy(() -> Wal.open(dir, SEGMENT_BYTES))
                .isInstanceOf(WalCorruptException.class)
                .hasMessageContaining("expected seq 2 after 1");
    }

    @Test
    void aDamagedRecordInANonLastSegmentIsCorruptionEvenAtItsEnd() throws IOException {
        Path source = walOf100(tmp.resolve("source"));
        List<Path> files;
        try (Wal wal = Wal.open(source, SEGMENT_BYTES)) {
            files = wal.segmentFiles();
        }
        Path victim = files.get(1);
        long size = Files.size(victim);
        // the last byte of the segment's last record (in the last frame's padding or data),
        // which in the last segment would pass for a torn write
        for (long at : new long[] {40, size / 2, size - 9, size - 1}) {
            Path dir = copy(source, "flip-" + at);
            byte[] bytes = Files.readAllBytes(dir.resolve(victim.getFileName()));
            bytes[(int) at] ^= 0x21;
            Files.write(dir.resolve(victim.getFileName()), bytes);
            assertThatThrownBy(() -> Wal.open(dir, SEGMENT_BYTES))
                    .as("byte %d flipped", at)
                    .isInstanceOfSatisfying(WalCorruptException.class,
                            e -> assertThat(e.file()).isEqualTo(dir.resolve(victim.getFileName())));
        }
    }

    @Test
    void aTornNonLastSegmentIsCorruption() throws IOException {
        Path source = walOf100(tmp.resolve("source"));
        Path victim;
        try (Wal wal = Wal.open(source, SEGMENT_BYTES)) {
            victim = wal.segmentFiles().get(1).getFileName();
        }
        long size = Files.size(source.resolve(victim));
        for (long cut : new long[] {size - 1, size - 8, size / 2}) {
            Path dir = copy(source, "cut-" + cut);
            byte[] bytes = Files.readAllBytes(dir.resolve(victim));
            Files.write(dir.resolve(victim), Arrays.copyOf(bytes, (int) cut));
            assertThatThrownBy(() -> Wal.open(dir, SEGMENT_BYTES))
                    .as("cut at %d", cut)
                    .isInstanceOf(WalCorruptException.class)
                    .hasMessageContaining(victim.toString())
                    .hasMessageContaining("not the last");
            assertThat(Files.size(dir.resolve(victim))).as("nothing repaired").isEqualTo(cut);
        }
    }

    @Test
    void aSegmentCutCleanlyAtARecordBoundaryBreaksTheChain() throws IOException {
        // dropping whole records from the end of a non-last segment leaves valid frames: only the
        // CRC chain into the next segment shows that acknowledged entries are missing
        Path dir = walOf100(tmp.resolve("wal"));
        Path victim;
        Path next;
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            victim = wal.segmentFiles().get(1);
            next = wal.segmentFiles().get(2);
        }
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, Arrays.copyOf(bytes, (int) lastFrameStart(bytes)));
        assertThatThrownBy(() -> Wal.open(dir, SEGMENT_BYTES))
                .isInstanceOfSatisfying(WalCorruptException.class,
                        e -> assertThat(e.file()).isEqualTo(next))
                .hasMessageContaining("crc chain broken between segments");
    }

    @Test
    void segmentsStayLockedUntilClose() throws IOException {
        Path dir = walOf100(tmp.resolve("wal"));
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            List<String> locks = posixLocks(wal.segmentFiles().get(0));
            assertThatThrownBy(() -> Wal.open(dir, SEGMENT_BYTES))
                    .hasMessageContaining("locked: already open in this process");
            // the failed open touched no file: closing a descriptor would have dropped the locks
            assertThat(posixLocks(wal.segmentFiles().get(0))).isEqualTo(locks);
            wal.save(null, entries(101, 110, 1));
            wal.close();
            wal.close();
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            assertThat(wal.lastIndex()).isEqualTo(110);
        }
    }

    @Test
    void aTornMarkerIsNotThere() throws IOException {
        Path source = tmp.resolve("source");
        Path segment;
        long before;
        try (Wal wal = Wal.create(source, METADATA, SEGMENT_BYTES)) {
            wal.save(state(1, 1, 3), entries(1, 3, 1));
            segment = wal.segmentFiles().get(0);
            before = Files.size(segment);
            wal.saveSnapshotMarker(marker(3, 1));
        }
        byte[] bytes = Files.readAllBytes(segment);
        for (long cut = before; cut < bytes.length; cut++) {
            Path dir = Files.createDirectories(tmp.resolve("cut-" + cut));
            Files.write(dir.resolve(segment.getFileName()), Arrays.copyOf(bytes, (int) cut));
            try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
                assertThat(wal.validSnapshots()).as("cut at %d", cut).containsExactly(WalSnapshot.getDefaultInstance());
                assertThatThrownBy(() -> wal.readAll(marker(3, 1))).isInstanceOf(WalSnapshotException.class);
                assertThat(wal.readAll(0).entries()).isEqualTo(entries(1, 3, 1));
            }
        }
    }

    /**
     * Pins the segmented format: a fixed history with cuts, an overwrite across segments and a
     * snapshot marker must produce exactly the checked-in segments, which must read back. Run
     * with {@code -Drewrite=true} to regenerate after a deliberate format change, and review the
     * diff like code.
     */
    @Test
    void goldenSegmentsAreStable() throws IOException {
        Path dir = tmp.resolve("golden");
        try (Wal wal = Wal.create(dir, METADATA, 400)) {
            wal.save(state(1, 1, 0), entries(1, 4, 1));
            wal.save(state(1, 1, 4), entries(5, 8, 1));
            wal.saveSnapshotMarker(marker(4, 1));
            wal.save(state(2, 2, 6), entries(7, 9, 2));
            wal.save(state(2, 2, 9), List.of());
        }
        Path golden = Path.of("src/test/resources/wal/golden-segments");
        List<String> names;
        try (var files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(names).hasSize(4);
        if (Boolean.getBoolean("rewrite")) {
            Files.createDirectories(golden);
            for (String name : names) {
                Files.copy(dir.resolve(name), golden.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        for (String name : names) {
            byte[] expected;
            try (var in = WalSegmentTest.class.getResourceAsStream("/wal/golden-segments/" + name)) {
                assertThat(in).as("src/test/resources/wal/golden-segments/" + name).isNotNull();
                expected = in.readAllBytes();
            }
            assertThat(Files.readAllBytes(dir.resolve(name))).as(name).isEqualTo(expected);
            Files.write(copy.resolve(name), expected);
        }
        try (Wal wal = Wal.open(copy, 400)) {
            WalContents contents = wal.readAll(marker(4, 1));
            assertThat(contents.entries().subList(0, 2)).isEqualTo(entries(5, 6, 1));
            assertThat(contents.entries().subList(2, 5)).isEqualTo(entries(7, 9, 2));
            assertThat(contents.hardState()).isEqualTo(state(2, 2, 9));
            assertThat(wal.validSnapshots()).containsExactly(WalSnapshot.getDefaultInstance(), marker(4, 1));
        }
    }

    /** The kernel's POSIX locks on {@code file} (Linux' /proc/locks), or an empty list elsewhere. */
    private static List<String> posixLocks(Path file) throws IOException {
        Path procLocks = Path.of("/proc/locks");
        if (!Files.isReadable(procLocks)) {
            return List.of();
        }
        Object inode = Files.getAttribute(file, "unix:ino");
        List<String> locks = Files.readAllLines(procLocks).stream()
                .filter(line -> line.contains("POSIX") && line.contains(":" + inode + " "))
                .toList();
        assertThat(locks).as("lock on " + file).hasSize(1);
        return locks;
    }

    /** Start offset of the last frame of a segment. */
    static long lastFrameStart(byte[] segment) {
        long at = 0;
        long last = 0;
        while (at < segment.length) {
            last = at;
            at += frameSize(segment, at);
        }
        return last;
    }

    /** Size of the frame at {@code at}: length word, record, padding to 8. */
    static long frameSize(byte[] segment, long at) {
        int length = 0;
        for (int i = 3; i >= 0; i--) {
            length = (length << 8) | (segment[(int) at + i] & 0xFF);
        }
        return 8 + length + (-length & 7);
    }

    private Path copy(Path source, String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        return dir;
    }
}
