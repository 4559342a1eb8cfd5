package io.ketcd.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.walpb.WalSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random histories against a naive model of raft's log: appends, overwrites of the
 * uncommitted tail (which make segment names go down), commits, snapshot markers at the commit
 * index followed by {@code releaseTo}, and reopens, with small segments so that every history
 * spans many of them. A failure names the seed and the step.
 */
class WalModelTest {

    private static final int SEEDS = 20;
    private static final int STEPS = 80;
    private static final long SEGMENT_BYTES = 512;

    @TempDir(factory = WalCrashTest.MemoryFirst.class)
    Path tmp;

    private int released;
    private int overwrites;
    /** Steps at which a segment's first index was below its predecessor's (after an overwrite). */
    private int namesGoingDown;

    @Test
    void randomHistoriesMatchTheModel() throws IOException {
        for (int seed = 0; seed < SEEDS; seed++) {
            run(seed);
        }
        assertThat(released).as("segments released").isGreaterThan(SEEDS);
        assertThat(overwrites).as("tails overwritten").isGreaterThan(SEEDS);
        assertThat(namesGoingDown).as("steps with segment names going down").isPositive();
    }

    private void run(long seed) throws IOException {
        Random random = new Random(seed);
        Path dir = tmp.resolve("seed-" + seed);
        List<Entry> log = new ArrayList<>(); // model: entry i at position i - 1
        long term = 1;
        long commit = 0;
        WalSnapshot snapshot = WalSnapshot.getDefaultInstance();
        HardState state = HardState.getDefaultInstance();
        Wal wal = Wal.create(dir, new byte[] {(byte) seed}, SEGMENT_BYTES);
        try {
            for (int step = 0; step < STEPS; step++) {
                String at = "seed " + seed + " step " + step;
                int op = random.nextInt(10);
                if (op < 6) {
                    // append, or a new leader overwriting the uncommitted tail
                    long from = log.size() + 1;
                    if (op == 0 && log.size() > commit) {
                        term++;
                        overwrites++;
                        from = commit + 1 + random.nextInt((int) (log.size() - commit));
                    }
                    List<Entry> batch = new ArrayList<>();
                    for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
                        batch.add(Entry.newBuilder().setIndex(from + i).setTerm(term)
                                .setData(ByteString.copyFromUtf8("s" + seed + "-" + step + "-" + i)).build());
                    }
                    log.subList((int) from - 1, log.size()).clear();
                    log.addAll(batch);
                    state = HardState.newBuilder().setTerm(term).setVote(1).setCommit(commit).build();
                    wal.save(state, batch);
                } else if (op < 8 && commit < log.size()) {
                    commit += 1 + random.nextInt((int) (log.size() - commit));
                    state = state.toBuilder().setCommit(commit).build();
                    wal.save(state, List.of());
                } else if (op == 8 && commit > snapshot.getIndex()) {
                    snapshot = WalSnapshot.newBuilder().setIndex(commit)
                            .setTerm(log.get((int) commit - 1).getTerm()).build();
                    wal.saveSnapshotMarker(snapshot);
                    released += wal.releaseTo(snapshot.getIndex());
                } else {
                    wal.close();
                    wal = Wal.open(dir, SEGMENT_BYTES);
                }
                assertThat(wal.lastIndex()).as(at).isEqualTo(log.size());
                WalContents contents = wal.readAll(snapshot);
                assertThat(contents.entries()).as(at)
                        .isEqualTo(log.subList((int) snapshot.getIndex(), log.size()));
                assertThat(contents.hardState()).as(at).isEqualTo(state);
                assertThat(wal.validSnapshots()).as(at).contains(snapshot);
                List<Path> files = wal.segmentFiles();
                for (int i = 1; i < files.size(); i++) {
                    if (files.get(i).getFileName().toString().substring(17)
                            .compareTo(files.get(i - 1).getFileName().toString().substring(17)) < 0) {
                        namesGoingDown++;
                        break;
                    }
                }
            }
            assertThat(wal.segmentFiles().size()).as("seed %d: segments left after releases", seed)
                    .isLessThan(20);
        } finally {
            wal.close();
        }
    }
}
