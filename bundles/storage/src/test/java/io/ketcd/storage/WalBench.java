package io.ketcd.storage;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * WAL append+fsync throughput with batching: {@link Wal#save} of 1, 16 and 256 entries of 256
 * bytes each, plus a hard state, as the raft driver saves a {@code Ready}. Each save is one
 * fsync (segment cuts add theirs); 64 MiB segments as in production. Not a test: run it by hand
 * on the disk you care about, e.g. from {@code bundles/storage} after {@code mvn install}:
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat target/bench.cp) io.ketcd.storage.WalBench [dir] [seconds]
 * </pre>
 *
 * where {@code target/bench.cp} comes from {@code mvn -o dependency:build-classpath
 * -Dmdep.outputFile=target/bench.cp}. {@code dir} defaults to a new directory under
 * {@code java.io.tmpdir} (not tmpfs, or the fsyncs cost nothing), {@code seconds} per batch size
 * to 5; each batch size first runs one second to warm up.
 */
public final class WalBench {

    private static final int ENTRY_BYTES = 256;
    private static final int[] BATCHES = {1, 16, 256};

    private WalBench() {
    }

    public static void main(String[] args) throws IOException {
        Path base = args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir"));
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        System.out.printf("WAL bench in %s, %d-byte entries, %.0f s per batch size%n", base, ENTRY_BYTES, seconds);
        System.out.printf("%6s %12s %12s %10s %10s%n", "batch", "entries/s", "fsyncs/s", "MiB/s", "segments");
        for (int batch : BATCHES) {
            Path dir = Files.createTempDirectory(base, "walbench");
            try {
                run(dir, batch, 1, false);
                deleteAll(dir);
                run(Files.createDirectories(dir), batch, seconds, true);
            } finally {
                deleteAll(dir);
            }
        }
    }

    private static void run(Path dir, int batch, double seconds, boolean print) throws IOException {
        // fixed seed: the same bytes every run, incompressible enough for any filesystem
        SplittableRandom random = new SplittableRandom(42);
        byte[] payload = new byte[ENTRY_BYTES];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) random.nextInt();
        }
        ByteString data = ByteString.copyFrom(payload);
        long index = 0;
        long saves = 0;
        long deadline;
        long start;
        try (Wal wal = Wal.create(dir, new byte[] {1})) {
            start = System.nanoTime();
            deadline = start + (long) (seconds * 1e9);
            List<Entry> entries = new ArrayList<>(batch);
            while (System.nanoTime() < deadline) {
                entries.clear();
                for (int i = 0; i < batch; i++) {
                    entries.add(Entry.newBuilder().setTerm(1).setIndex(++index).setData(data).build());
                }
                wal.save(HardState.newBuilder().setTerm(1).setVote(1).setCommit(index).build(), entries);
                saves++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (print) {
                System.out.printf("%6d %12.0f %12.0f %10.1f %10d%n", batch, index / elapsed, saves / elapsed,
                        index * (double) ENTRY_BYTES / elapsed / (1 << 20), wal.segmentFiles().size());
            }
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
