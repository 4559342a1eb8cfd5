package io.ketcd.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.walpb.WalSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads raft snapshots as files in one directory (etcd's {@code snap.Snapshotter}). The
 * file format is in this package's {@code package-info}.
 *
 * <p>A snapshot is written under a {@code .tmp} name, fsynced, renamed and the directory fsynced,
 * so a crash leaves either no file or a complete one. Loading tries the newest file first; one
 * that fails its checks is renamed to {@code .broken} (kept for an operator, never read again)
 * and the next older one is tried.
 *
 * <p>Not thread-safe: one owner saves, loads and purges.
 */
public final class Snapshotter {

    /** etcd's default {@code --max-snapshots}. */
    public static final int DEFAULT_KEEP = 5;

    private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);
    private static final Pattern SNAP_NAME = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{16}\\.snap");
    /** Length word (8 bytes) and CRC32C (4 bytes), little-endian. */
    private static final int HEADER_BYTES = 12;

    private final Path dir;

    /** A snapshotter over {@code dir}, which is created if missing. */
    public Snapshotter(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** etcd's snapshot file name: term and index in hex, so names sort oldest first. */
    static String snapName(long term, long index) {
        return String.format("%016x-%016x.snap", term, index);
    }

    /**
     * Writes {@code snapshot} to {@code <term>-<index>.snap} durably; a file already there is
     * replaced. An empty snapshot (index 0) is not written, as etcd does. Save the snapshot's WAL
     * marker ({@link Wal#saveSnapshotMarker}) first.
     *
     * @throws IOException if writing fails; a partial {@code .tmp} file may remain, which
     *     {@link #loadNewest} ignores and the next save of the same snapshot replaces
     */
    public void save(Snapshot snapshot) throws IOException {
        long index = snapshot.getMetadata().getIndex();
        if (index == 0) {
            return;
        }
        byte[] body = snapshot.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(body.length).putInt((int) crc.getValue()).flip();
        String name = snapName(snapshot.getMetadata().getTerm(), index);
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer[] parts = {header, ByteBuffer.wrap(body)};
            while (parts[1].hasRemaining()) {
                out.write(parts);
            }
            out.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Wal.syncDir(dir);
    }

    /**
     * The newest snapshot that passes its checks, if any. Broken files met on the way are renamed
     * to {@code .broken}, each with one WARN line.
     *
     * @throws IOException if listing, reading or renaming fails
     */
    public Optional<Snapshot> loadNewest() throws IOException {
        return loadNewest(names());
    }

    /**
     * The newest snapshot that passes its checks and has a marker in {@code available} (by index
     * and term), as etcd loads after reading {@link Wal#validSnapshots}: a snapshot file without a
     * durable marker, or newer than the committed log, is never loaded. Files without a marker are
     * left alone; broken ones met on the way are renamed to {@code .broken}.
     */
    public Optional<Snapshot> loadNewestAvailable(Collection<WalSnapshot> available) throws IOException {
        Set<String> wanted = available.stream()
                .map(s -> snapName(s.getTerm(), s.getIndex()))
                .collect(Collectors.toSet());
        return loadNewest(names().stream().filter(wanted::contains).toList());
    }

    /**
     * Reads and checks one snapshot file.
     *
     * @throws NoSuchFileException if there is no such file
     * @throws SnapshotCorruptException if it is cut short, fails its CRC, does not parse, or its
     *     name does not match its metadata
     */
    public Snapshot read(String name) throws IOException {
        Path file = dir.resolve(name);
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER_BYTES) {
            throw new SnapshotCorruptException(file, "file of " + bytes.length + " bytes has no header");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long length = header.getLong();
        int expected = header.getInt();
        if (length != bytes.length - HEADER_BYTES) {
            throw new SnapshotCorruptException(file, "header says " + length + " bytes of snapshot, file holds "
                    + (bytes.length - HEADER_BYTES));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
        if ((int) crc.getValue() != expected) {
            throw new SnapshotCorruptException(file, "crc mismatch: header has " + Integer.toHexString(expected)
                    + ", data gives " + Long.toHexString(crc.getValue()));
        }
        Snapshot snapshot;
        try {
            snapshot = Snapshot.parseFrom(ByteBuffer.wrap(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES));
        } catch (InvalidProtocolBufferException e) {
            throw new SnapshotCorruptException(file, "does not parse: " + e.getMessage());
        }
        String named = snapName(snapshot.getMetadata().getTerm(), snapshot.getMetadata().getIndex());
        if (!named.equals(name)) {
            throw new SnapshotCorruptException(file, "holds the snapshot named " + named);
        }
        return snapshot;
    }

    /**
     * Deletes all but the newest {@code keep} snapshot files (etcd purges snapshots beyond
     * {@code --max-snapshots}, 5 by default). {@code .broken} and {@code .tmp} files are left for
     * an operator.
     *
     * @return the names deleted, oldest first
     */
    public List<String> purge(int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep at least one snapshot, not " + keep);
        }
        List<String> names = new ArrayList<>(names());
        names.sort(Comparator.naturalOrder());
        List<String> deleted = names.subList(0, Math.max(0, names.size() - keep));
        for (String name : deleted) {
            Files.delete(dir.resolve(name));
        }
        if (!deleted.isEmpty()) {
            Wal.syncDir(dir);
        }
        return List.copyOf(deleted);
    }

    /** Names of the {@code .snap} files, newest first. */
    public List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> SNAP_NAME.matcher(n).matches())
                    .sorted(Comparator.reverseOrder())
                    .toList();
        }
    }

    private Optional<Snapshot> loadNewest(List<String> newestFirst) throws IOException {
        for (String name : newestFirst) {
            try {
                return Optional.of(read(name));
            } catch (SnapshotCorruptException e) {
                Path broken = dir.resolve(name + ".broken");
                LOG.warn("snapshot {} is broken, renamed to {} and trying an older one: {}",
                        name, broken.getFileName(), e.getMessage());
                Files.move(dir.resolve(name), broken, StandardCopyOption.REPLACE_EXISTING);
                Wal.syncDir(dir);
            }
        }
        return Optional.empty();
    }
}
