package io.ketcd.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import io.ketcd.proto.walpb.WalSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {

    @TempDir
    Path tmp;

    private static Snapshot snapshot(long term, long index) {
        return Snapshot.newBuilder()
                .setData(ByteString.copyFromUtf8("state machine at " + index + " ".repeat(20)))
                .setMetadata(SnapshotMetadata.newBuilder().setTerm(term).setIndex(index)
                        .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3)))
                .build();
    }

    private static WalSnapshot marker(long term, long index) {
        return WalSnapshot.newBuilder().setTerm(term).setIndex(index).build();
    }

    @Test
    void savesUnderEtcdsNameAndLoadsTheNewest() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp.resolve("member/snap"));
        assertThat(snapshotter.loadNewest()).isEmpty();
        snapshotter.save(snapshot(1, 10));
        snapshotter.save(snapshot(2, 30));
        snapshotter.save(snapshot(2, 20));
        assertThat(tmp.resolve("member/snap/0000000000000002-000000000000001e.snap")).exists();
        assertThat(snapshotter.names()).containsExactly("0000000000000002-000000000000001e.snap",
                "0000000000000002-0000000000000014.snap", "0000000000000001-000000000000000a.snap");
        assertThat(snapshotter.loadNewest()).contains(snapshot(2, 30));
        assertThat(tmp.resolve("member/snap")).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void theEmptySnapshotIsNotWritten() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(Snapshot.getDefaultInstance());
        assertThat(snapshotter.names()).isEmpty();
    }

    @Test
    void aBrokenNewestSnapshotFallsBackToAnOlderOneAndIsRenamed() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(1, 10));
        snapshotter.save(snapshot(1, 20));
        snapshotter.save(snapshot(1, 30));
        Path newest = tmp.resolve(Snapshotter.snapName(1, 30));
        Path middle = tmp.resolve(Snapshotter.snapName(1, 20));
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 5] ^= 0x40;
        Files.write(newest, bytes);
        Files.write(middle, Arrays.copyOf(Files.readAllBytes(middle), 30));

        assertThatThrownBy(() -> snapshotter.read(newest.getFileName().toString()))
                .isInstanceOf(SnapshotCorruptException.class)
                .hasMessageContaining("crc mismatch");
        assertThatThrownBy(() -> snapshotter.read(middle.getFileName().toString()))
                .isInstanceOf(SnapshotCorruptException.class)
                .hasMessageContaining("file holds 18");

        assertThat(snapshotter.loadNewest()).contains(snapshot(1, 10));
        assertThat(newest).doesNotExist();
        assertThat(middle).doesNotExist();
        assertThat(tmp.resolve(newest.getFileName() + ".broken")).hasBinaryContent(bytes);
        assertThat(tmp.resolve(middle.getFileName() + ".broken")).exists();
        assertThat(snapshotter.names()).containsExactly(Snapshotter.snapName(1, 10));
    }

    @Test
    void aSnapshotCutAtEveryOffsetIsBrokenAndTheOlderOneLoads() throws IOException {
        Path source = tmp.resolve("source");
        new Snapshotter(source).save(snapshot(3, 40));
        byte[] bytes = Files.readAllBytes(source.resolve(Snapshotter.snapName(3, 40)));
        for (int cut = 0; cut < bytes.length; cut++) {
            Path dir = tmp.resolve("cut-" + cut);
            Snapshotter snapshotter = new Snapshotter(dir);
            snapshotter.save(snapshot(2, 25));
            Files.write(dir.resolve(Snapshotter.snapName(3, 40)), Arrays.copyOf(bytes, cut));
            assertThat(snapshotter.loadNewest()).as("cut at %d", cut).contains(snapshot(2, 25));
            assertThat(dir.resolve(Snapshotter.snapName(3, 40) + ".broken")).as("cut at %d", cut).exists();
        }
    }

    @Test
    void aFileHoldingAnotherSnapshotThanItsNameIsBroken() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(1, 10));
        Files.copy(tmp.resolve(Snapshotter.snapName(1, 10)), tmp.resolve(Snapshotter.snapName(1, 11)));
        assertThatThrownBy(() -> snapshotter.read(Snapshotter.snapName(1, 11)))
                .isInstanceOf(SnapshotCorruptException.class)
                .hasMessageContaining("holds the snapshot named " + Snapshotter.snapName(1, 10));
        assertThatThrownBy(() -> snapshotter.read(Snapshotter.snapName(1, 12)))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(snapshotter.loadNewest()).contains(snapshot(1, 10));
    }

    @Test
    void allBrokenMeansNoSnapshot() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(1, 10));
        Files.write(tmp.resolve(Snapshotter.snapName(1, 10)), new byte[] {1, 2, 3});
        assertThat(snapshotter.loadNewest()).isEmpty();
        assertThat(snapshotter.names()).isEmpty();
    }

    @Test
    void leftoverTemporaryFilesAreIgnored() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(1, 10));
        // a crash while writing the newer snapshot: its .tmp was never renamed
        Files.write(tmp.resolve(Snapshotter.snapName(2, 20) + ".tmp"), new byte[] {9, 9});
        assertThat(snapshotter.loadNewest()).contains(snapshot(1, 10));
        // and saving that snapshot again replaces the leftover
        snapshotter.save(snapshot(2, 20));
        assertThat(snapshotter.loadNewest()).contains(snapshot(2, 20));
        assertThat(tmp).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void loadNewestAvailableOnlyLoadsSnapshotsWithAMarker() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(1, 10));
        snapshotter.save(snapshot(2, 20));
        // saved after the WAL's commit index, or its marker torn off the WAL: not loadable
        snapshotter.save(snapshot(2, 30));
        List<WalSnapshot> available = List.of(WalSnapshot.getDefaultInstance(), marker(1, 10), marker(2, 20));
        assertThat(snapshotter.loadNewestAvailable(available)).contains(snapshot(2, 20));
        // a marker with another term than the file does not match it
        assertThat(snapshotter.loadNewestAvailable(List.of(marker(1, 20), marker(1, 10))))
                .contains(snapshot(1, 10));
        assertThat(snapshotter.loadNewestAvailable(List.of(marker(3, 40)))).isEmpty();
        assertThat(tmp.resolve(Snapshotter.snapName(2, 30))).as("left alone").exists();

        Files.write(tmp.resolve(Snapshotter.snapName(2, 20)), new byte[16]);
        assertThat(snapshotter.loadNewestAvailable(available)).contains(snapshot(1, 10));
        assertThat(tmp.resolve(Snapshotter.snapName(2, 20) + ".broken")).exists();
    }

    @Test
    void purgeKeepsTheNewest() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        for (long i = 1; i <= 8; i++) {
            snapshotter.save(snapshot(i < 5 ? 1 : 2, i * 10));
        }
        Files.write(tmp.resolve("0000000000000000-0000000000000001.snap.broken"), new byte[1]);
        assertThat(snapshotter.purge(Snapshotter.DEFAULT_KEEP)).containsExactly(
                Snapshotter.snapName(1, 10), Snapshotter.snapName(1, 20), Snapshotter.snapName(1, 30));
        assertThat(snapshotter.names()).hasSize(5).first().isEqualTo(Snapshotter.snapName(2, 80));
        assertThat(snapshotter.purge(5)).isEmpty();
        assertThat(tmp.resolve("0000000000000000-0000000000000001.snap.broken")).exists();
        assertThatThrownBy(() -> snapshotter.purge(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Pins the snapshot file format. Run with {@code -Drewrite=true} to regenerate after a
     * deliberate format change, and review the diff like code.
     */
    @Test
    void goldenSnapshotIsStable() throws IOException {
        Snapshotter snapshotter = new Snapshotter(tmp);
        snapshotter.save(snapshot(2, 20));
        String name = Snapshotter.snapName(2, 20);
        byte[] written = Files.readAllBytes(tmp.resolve(name));
        if (Boolean.getBoolean("rewrite")) {
            Files.createDirectories(Path.of("src/test/resources/snap"));
            Files.write(Path.of("src/test/resources/snap/" + name), written);
        }
        byte[] golden;
        try (var in = SnapshotterTest.class.getResourceAsStream("/snap/" + name)) {
            assertThat(in).as("src/test/resources/snap/" + name).isNotNull();
            golden = in.readAllBytes();
        }
        assertThat(written).isEqualTo(golden);
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        Files.write(copy.resolve(name), golden);
        assertThat(new Snapshotter(copy).loadNewest()).contains(snapshot(2, 20));
    }

    /**
     * etcd's restart recipe: the newest snapshot with a marker at or below the commit index,
     * then the WAL from that snapshot; after release, the older segments are gone.
     */
    @Test
    void restartFromSnapshotAndWal() throws IOException {
        Path wal = tmp.resolve("wal");
        Snapshotter snapshotter = new Snapshotter(tmp.resolve("snap"));
        try (Wal log = Wal.create(wal, new byte[] {7}, 1024)) {
            for (long i = 1; i <= 60; i += 10) {
                log.save(WalSegmentTest.state(1, 1, i + 9), WalSegmentTest.entries(i, i + 9, 1));
            }
            WalSnapshot marker = WalSnapshot.newBuilder().setIndex(50).setTerm(1)
                    .setConfState(snapshot(1, 50).getMetadata().getConfState()).build();
            log.saveSnapshotMarker(marker);
            snapshotter.save(snapshot(1, 50));
            log.save(WalSegmentTest.state(1, 1, 62), WalSegmentTest.entries(61, 62, 1));
            assertThat(log.releaseTo(50)).isPositive();
        }
        try (Wal log = Wal.open(wal, 1024)) {
            Snapshot loaded = snapshotter.loadNewestAvailable(log.validSnapshots()).orElseThrow();
            assertThat(loaded).isEqualTo(snapshot(1, 50));
            WalSnapshot from = WalSnapshot.newBuilder().setIndex(loaded.getMetadata().getIndex())
                    .setTerm(loaded.getMetadata().getTerm()).build();
            WalContents contents = log.readAll(from);
            assertThat(contents.entries()).isEqualTo(WalSegmentTest.entries(51, 62, 1));
            assertThat(contents.hardState()).isEqualTo(WalSegmentTest.state(1, 1, 62));
        }
    }
}
