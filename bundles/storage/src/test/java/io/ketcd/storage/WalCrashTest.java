package io.ketcd.storage;

import static io.ketcd.storage.WalSegmentTest.frameSize;
import static io.ketcd.storage.WalSegmentTest.state;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes at every byte of every save of a history that spans several segments, and checks that
 * reopening recovers exactly what was acknowledged plus the complete records of the save that
 * was cut.
 *
 * <p>A crash is simulated by materialising the directory as it could be on disk: the files as
 * they were before the save, the written segment cut at the crash offset (the rest never reached
 * the disk, the missing fsync). When the save cut a new segment, two more kinds of crash are
 * tried: during the cut (the {@code .tmp} file at every length) and after a rename whose data did
 * not reach the disk (the new segment at every length).
 *
 * <p>The rule asserted: every save that returned is fully there; of the save that was cut, the
 * records whose frames are complete are recovered, in order, and nothing after them. A save
 * writes its entries, then its state, so a torn save contributes a prefix of its entries and
 * never its state (etcd recovers the complete records before the tear in the same way).
 */
class WalCrashTest {

    private static final byte[] METADATA = "node 1, cluster 7".getBytes(UTF_8);
    private static final long SEGMENT_BYTES = 256;

    /**
     * Thousands of reopen-and-save rounds, each with fsyncs: on tmpfs when the machine has one,
     * since the crashes are simulated by truncation and a real fsync adds only time.
     */
    @TempDir(factory = MemoryFirst.class)
    Path tmp;

    private int cases;

    /** One save() call of the history. */
    private record Save(HardState state, List<Entry> entries) {
    }

    /** What the WAL holds, as a raft log and a hard state; immutable. */
    private record Log(List<Entry> entries, HardState state) {

        Log apply(HardState newState, List<Entry> appended) {
            List<Entry> log = new ArrayList<>(entries);
            for (Entry entry : appended) {
                log.subList((int) entry.getIndex() - 1, log.size()).clear();
                log.add(entry);
            }
            return new Log(List.copyOf(log), newState == null ? state : newState);
        }
    }

    /** Entries with short data, so the history spans several segments in few bytes. */
    private static List<Entry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to).mapToObj(i -> Entry.newBuilder().setIndex(i).setTerm(term)
                .setData(ByteString.copyFromUtf8("k" + i)).build()).toList();
    }

    private static final List<Save> HISTORY = List.of(
            new Save(state(1, 1, 0), entries(1, 3, 1)),
            new Save(state(1, 1, 3), List.of()),
            new Save(null, entries(4, 4, 1)),
            new Save(state(1, 1, 4), entries(5, 12, 1)),
            new Save(state(2, 2, 4), entries(9, 10, 2)),
            new Save(null, entries(11, 11, 2)),
            new Save(state(2, 2, 11), entries(12, 20, 2)),
            new Save(state(2, 2, 20), entries(21, 21, 2)),
            new Save(state(3, 3, 20), entries(15, 24, 3)));

    /**
     * The saves crashed at every byte (about 1,000 crashes): a state-only save, a save that cuts
     * the first segment, an overwrite of the tail within a segment, and the last save, which
     * overwrites a tail spanning two segments and cuts a fourth. The others only build the
     * history (each crash costs a reopen, and one in four a save and a second reopen).
     */
    private static final List<Integer> CRASHED = List.of(1, 3, 4, 8);

    @Test
    void everyTruncationOfASaveRecoversWhatWasAcknowledged() throws IOException {
        Path source = tmp.resolve("source");
        List<Map<String, Long>> layouts = new ArrayList<>();
        List<Log> acked = new ArrayList<>();
        acked.add(new Log(List.of(), HardState.getDefaultInstance()));
        try (Wal wal = Wal.create(source, METADATA, SEGMENT_BYTES)) {
            layouts.add(layout(source, wal));
            for (Save save : HISTORY) {
                wal.save(save.state, save.entries);
                layouts.add(layout(source, wal));
                acked.add(acked.get(acked.size() - 1).apply(save.state, save.entries));
            }
        }
        assertThat(layouts.get(HISTORY.size())).as("the last save cut a segment")
                .hasSize(layouts.get(HISTORY.size() - 1).size() + 1)
                .hasSizeGreaterThanOrEqualTo(4);
        for (int i : CRASHED) {
            crashDuring(source, HISTORY.get(i), layouts.get(i), layouts.get(i + 1), acked.get(i), acked.get(i + 1));
        }
        assertThat(cases).isGreaterThan(1000);
    }

    /** Every crash of one save. */
    private void crashDuring(Path source, Save save, Map<String, Long> before, Map<String, Long> after,
            Log previous, Log next) throws IOException {
        String written = last(before);
        long from = before.get(written);
        long to = after.get(written);
        byte[] bytes = Files.readAllBytes(source.resolve(written));

        // 1. the batch reached the disk up to every offset before its end
        for (long cut = from; cut < to; cut++) {
            int complete = 0;
            for (long at = from; at + frameSize(bytes, at) <= cut; at += frameSize(bytes, at)) {
                complete++;
            }
            Log expected = previous.apply(complete > save.entries.size() ? save.state : null,
                    save.entries.subList(0, Math.min(complete, save.entries.size())));
            Map<String, Long> crash = new LinkedHashMap<>(before);
            crash.put(written, cut);
            check(source, crash, Map.of(), expected, "save " + save + " cut at " + cut);
        }
        if (after.size() == before.size()) {
            return;
        }
        // the save is durable from here on; it did not return, so it may or may not be there,
        // and the WAL holds all of it
        String cutTo = last(after);
        long header = after.get(cutTo);
        Map<String, Long> synced = new LinkedHashMap<>(after);
        synced.remove(cutTo);
        // 2. a crash while writing the new segment under its temporary name
        for (long length = 0; length <= header; length++) {
            check(source, synced, Map.of(cutTo, length), next, "tmp " + cutTo + " at " + length);
        }
        // 3. the rename reached the disk, the new segment's data did not (all of it)
        for (long length = 0; length < header; length++) {
            Map<String, Long> crash = new LinkedHashMap<>(after);
            crash.put(cutTo, length);
            check(source, crash, Map.of(), next, "segment " + cutTo + " at " + length);
        }
    }

    /**
     * Materialises a crash (segment name to length, and {@code .tmp} files to length), reopens,
     * compares with {@code expected}, then saves one more entry and checks it reads back after
     * another reopen, for one case in four and every interrupted cut: the repaired WAL continues
     * the chain.
     */
    private void check(Path source, Map<String, Long> segments, Map<String, Long> tmps, Log expected,
            String what) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("crash-" + cases++));
        String lastSegment = last(segments);
        for (Map.Entry<String, Long> file : segments.entrySet()) {
            byte[] bytes = Files.readAllBytes(source.resolve(file.getKey()));
            int length = file.getValue().intValue();
            // every other crash on a frame boundary (frames are 8-byte aligned, so no header is
            // split) finds the last segment's preallocated zeros after what reached the disk
            int zeros = file.getKey().equals(lastSegment) && length % 8 == 0 && cases % 2 == 0 ? 4096 : 0;
            Files.write(dir.resolve(file.getKey()), Arrays.copyOf(Arrays.copyOf(bytes, length), length + zeros));
        }
        for (Map.Entry<String, Long> file : tmps.entrySet()) {
            byte[] bytes = Files.readAllBytes(source.resolve(file.getKey()));
            Files.write(dir.resolve(file.getKey() + ".tmp"), Arrays.copyOf(bytes, file.getValue().intValue()));
        }
        boolean resume = cases % 4 == 0 || !tmps.isEmpty();
        Entry extra;
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            WalContents contents = wal.readAll(0);
            assertThat(contents.entries()).as(what).isEqualTo(expected.entries);
            assertThat(contents.hardState()).as(what).isEqualTo(expected.state);
            assertThat(contents.metadata()).as(what).isEqualTo(METADATA);
            assertThat(wal.lastIndex()).as(what).isEqualTo(expected.entries.size());
            extra = Entry.newBuilder().setIndex(wal.lastIndex() + 1).setTerm(9).build();
            if (resume) {
                wal.save(state(9, 9, 0), List.of(extra));
            }
        }
        assertThat(dir).as(what).isDirectoryNotContaining("glob:**.tmp");
        if (!resume) {
            deleteDir(dir);
            return;
        }
        try (Wal wal = Wal.open(dir, SEGMENT_BYTES)) {
            WalContents contents = wal.readAll(0);
            assertThat(contents.entries()).as(what).last().isEqualTo(extra);
            assertThat(contents.entries()).as(what).hasSize(expected.entries.size() + 1);
            assertThat(contents.hardState()).as(what).isEqualTo(state(9, 9, 0));
        }
        deleteDir(dir);
    }

    /**
     * Segment file names to the lengths of their records, in sequence order: the file's size, but
     * for the last segment, whose file goes on with preallocated zeros.
     */
    private static Map<String, Long> layout(Path dir, Wal wal) throws IOException {
        Map<String, Long> layout = new LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                layout.put(file.getFileName().toString(), Files.size(file));
            }
        }
        layout.put(last(layout), wal.recordsEnd());
        return layout;
    }

    private static String last(Map<String, Long> layout) {
        return new ArrayList<>(layout.keySet()).get(layout.size() - 1);
    }

    /** Temporary directories under /dev/shm if it is writable, else the default place. */
    static final class MemoryFirst implements TempDirFactory {
        @Override
        public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension)
                throws IOException {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "ketcd-wal-crash")
                    : Files.createTempDirectory("ketcd-wal-crash");
        }
    }

    private static void deleteDir(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
