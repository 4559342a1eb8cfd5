package io.ketcd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One segment file of a {@link Wal}, open and locked; its name gives its sequence and first index.
 * Also how segment files are named, found and written whole: the file layer under the WAL, apart
 * from what the records in them mean ({@link WalScan}) and how the log is appended ({@link Wal}).
 */
final class WalSegment {
    /** etcd's segment file name: {@link #name}. */
    static final Pattern NAME = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{16}\\.wal");
    /** A segment being created or cut, not yet renamed into place ({@link #writeDurably}). */
    static final Pattern TMP_NAME = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{16}\\.wal\\.tmp");

    final Path path;
    final long seq;
    final long firstIndex;
    final FileChannel channel;
    final FileLock lock;

    private WalSegment(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        String name = path.getFileName().toString();
        this.seq = Long.parseUnsignedLong(name.substring(0, 16), 16);
        this.firstIndex = Long.parseUnsignedLong(name.substring(17, 33), 16);
        this.channel = channel;
        this.lock = lock;
    }

    static WalSegment open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("WAL file " + path + " is locked: open elsewhere");
            }
            return new WalSegment(path, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    void close() throws IOException {
        if (channel.isOpen()) {
            lock.release();
            channel.close();
        }
    }

    /** etcd's segment file name: sequence and index of the segment's first entry, in hex. */
    static String name(long seq, long index) {
        return String.format("%016x-%016x.wal", seq, index);
    }

    /** The files in {@code dir} whose names match, sorted (by sequence for segments). */
    static List<Path> list(Path dir, Pattern names) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> names.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        }
    }

    /**
     * Writes a new segment under a temporary name, fsyncs it, renames it and fsyncs the directory:
     * a crash leaves either no segment of that name or a complete one.
     */
    static Path writeDurably(Path dir, String name, ByteBuffer content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            writeFully(out, content, 0);
            out.force(true);
        }
        Path path = dir.resolve(name);
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        Wal.syncDir(dir);
        return path;
    }

    /** Positional writes, so that reading through the same channel cannot move where they go. */
    static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }
}
