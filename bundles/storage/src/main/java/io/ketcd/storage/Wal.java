package io.ketcd.storage;

import static io.ketcd.storage.internal.WalFrames.CRC;
import static io.ketcd.storage.internal.WalFrames.ENTRY;
import static io.ketcd.storage.internal.WalFrames.METADATA;
import static io.ketcd.storage.internal.WalFrames.SNAPSHOT;
import static io.ketcd.storage.internal.WalFrames.STATE;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.walpb.Record;
import io.ketcd.storage.internal.SegmentReader;
import io.ketcd.storage.internal.WalFrames;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of a member: raft entries and hard states, appended and fsynced before
 * raft may act on them (etcd's {@code wal} package). The file format and the recovery rules are
 * in this package's {@code package-info}.
 *
 * <p>Lifecycle: {@link #create} once per member, then {@link #open} on every start, which repairs a
 * torn tail; {@link #readAll} gives what the log holds, {@link #save} appends. One segment file
 * for now; names already follow etcd's {@code seq-index} scheme so segmentation can follow.
 *
 * <p>Not thread-safe: one owner (the raft driver) calls all methods. The WAL file is locked while
 * open, so a second process (or a second {@code open} in this one) fails.
 */
public final class Wal implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);
    private static final Pattern SEGMENT_NAME = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{16}\\.wal");

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    /** Frames new records, continuing the CRC chain from the file's last record. */
    private final WalFrames.Encoder encoder;
    /** File length: the end of the last complete record. */
    private long end;
    /** Index of the last entry saved (later entries truncate earlier ones), 0 if none. */
    private long lastIndex;
    /** Last hard state saved, or the default instance. */
    private HardState lastState;
    /** Set when a write failed: the file may end in a partial record, only reopening repairs it. */
    private boolean failed;

    private Wal(Path file, FileChannel channel, FileLock lock, Scan scan) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.encoder = new WalFrames.Encoder(scan.crc);
        this.end = scan.end;
        this.lastIndex = scan.lastIndex;
        this.lastState = scan.hardState;
    }

    /** etcd's segment file name: sequence and index of the segment's first entry, in hex. */
    static String segmentName(long seq, long index) {
        return String.format("%016x-%016x.wal", seq, index);
    }

    /** True if {@code dir} holds a WAL segment file. */
    public static boolean exists(Path dir) throws IOException {
        return !segments(dir).isEmpty();
    }

    /**
     * Creates a WAL in {@code dir} (created if missing) holding {@code metadata}, and opens it. The
     * first segment is written under a temporary name, fsynced and renamed, so a crash leaves
     * either no WAL or a complete one.
     *
     * @throws FileAlreadyExistsException if {@code dir} already holds a WAL
     */
    public static Wal create(Path dir, byte[] metadata) throws IOException {
        if (exists(dir)) {
            throw new FileAlreadyExistsException(dir.toString(), null, "a WAL already exists");
        }
        Files.createDirectories(dir);
        String name = segmentName(0, 0);
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        WalFrames.Encoder encoder = new WalFrames.Encoder(0);
        encoder.add(CRC, ByteString.EMPTY);
        encoder.add(METADATA, ByteString.copyFrom(metadata));
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            writeFully(out, encoder.drain(), 0);
            out.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // makes the rename durable
        }
        return open(dir);
    }

    /**
     * Opens the WAL in {@code dir} for reading and appending. A torn last record is cut off (one
     * WARN line says how many bytes); nothing else is ever dropped.
     *
     * @throws NoSuchFileException if {@code dir} holds no WAL
     * @throws WalCorruptException if a record other than the last is damaged, or the metadata
     *     record is missing
     * @throws IOException if the WAL is locked by another owner or cannot be read
     */
    public static Wal open(Path dir) throws IOException {
        List<Path> segments = segments(dir);
        if (segments.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "no WAL segment");
        }
        if (segments.size() > 1) {
            throw new IOException("WAL " + dir + " has " + segments.size()
                    + " segments; only single-segment WALs are supported so far");
        }
        Path file = segments.get(0);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("WAL file " + file + " is locked: open elsewhere");
            }
            Scan scan = Scan.read(file, channel, Long.MAX_VALUE);
            long size = channel.size();
            if (scan.tornReason != null) {
                channel.truncate(scan.end);
                channel.force(true);
                LOG.warn("WAL {}: dropped {} bytes of a torn last record at offset {} ({})",
                        file, size - scan.end, scan.end, scan.tornReason);
            }
            return new Wal(file, channel, lock, scan);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Reads the whole log from the file.
     *
     * @param afterIndex only entries with a greater index are returned (the snapshot index, or 0)
     * @throws WalCorruptException if the file no longer matches what {@link #open} checked
     */
    public WalContents readAll(long afterIndex) throws IOException {
        checkUsable();
        Scan scan = Scan.read(file, channel, afterIndex);
        if (scan.tornReason != null || scan.end != end) {
            throw new WalCorruptException(file, scan.end, "file changed since it was opened");
        }
        return new WalContents(scan.metadata.toByteArray(), scan.hardState, scan.entries);
    }

    /**
     * Appends {@code entries} and then {@code state}, and fsyncs once before returning; the caller
     * batches as much as it can into one call. An entry whose index is at or below
     * {@link #lastIndex()} replaces the log from that index on. The state is skipped when it is
     * null or empty, or when {@code entries} is empty and the state equals the last one saved; an
     * empty call writes and syncs nothing.
     *
     * @param entries consecutive indexes, the first at most {@code lastIndex() + 1}; not retained
     * @throws IllegalArgumentException if the entries leave a gap; nothing is written then
     * @throws IOException if writing or syncing fails; this WAL is unusable afterwards and must be
     *     reopened (which repairs a partial write)
     */
    public void save(HardState state, List<Entry> entries) throws IOException {
        checkUsable();
        boolean saveState = state != null && !state.equals(HardState.getDefaultInstance())
                && (!entries.isEmpty() || !state.equals(lastState));
        if (entries.isEmpty() && !saveState) {
            return;
        }
        checkContiguous(entries);
        for (Entry entry : entries) {
            encoder.add(ENTRY, entry.toByteString());
        }
        if (saveState) {
            encoder.add(STATE, state.toByteString());
        }
        ByteBuffer frames = encoder.drain();
        int length = frames.remaining();
        try {
            writeFully(channel, frames, end);
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
        end += length;
        if (!entries.isEmpty()) {
            lastIndex = entries.get(entries.size() - 1).getIndex();
        }
        if (saveState) {
            lastState = state;
        }
    }

    /** Index of the last entry in the log, 0 if it has none. */
    public long lastIndex() {
        return lastIndex;
    }

    /** Releases the file and its lock. Everything saved is already durable. */
    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            lock.release();
            channel.close();
        }
    }

    private void checkUsable() {
        if (!channel.isOpen()) {
            throw new IllegalStateException("WAL " + file + " is closed");
        }
        if (failed) {
            throw new IllegalStateException("WAL " + file + " failed to write; reopen it");
        }
    }

    private void checkContiguous(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).getIndex();
        if (first < 1 || first > lastIndex + 1) {
            throw new IllegalArgumentException("first entry index " + first
                    + " leaves a gap after last index " + lastIndex);
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).getIndex() != first + i) {
                throw new IllegalArgumentException("entry indexes not consecutive at "
                        + entries.get(i).getIndex() + ", expected " + (first + i));
            }
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> SEGMENT_NAME.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long position)
            throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }

    /** One pass over a segment: what {@link #open} checks and {@link #readAll} returns. */
    private static final class Scan {
        ByteString metadata;
        HardState hardState = HardState.getDefaultInstance();
        /** Entries after the requested index, with overwritten tails removed. */
        final List<Entry> entries = new ArrayList<>();
        long lastIndex;
        int crc;
        long end;
        String tornReason;

        /**
         * Reads through the WAL's own channel: closing any other descriptor of the file would
         * drop the process's POSIX lock on it. The stream is therefore never closed; writes are
         * positional, so moving the channel's position is harmless.
         */
        static Scan read(Path file, FileChannel channel, long afterIndex) throws IOException {
            Scan scan = new Scan();
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel.position(0)), 1 << 16);
            SegmentReader reader = new SegmentReader(file, in);
            Record record;
            while ((record = reader.next()) != null) {
                try {
                    scan.add(record, afterIndex);
                } catch (InvalidProtocolBufferException e) {
                    // the CRC matched, so the writer wrote this: a format bug, not a torn write
                    throw new WalCorruptException(file, reader.recordOffset(),
                            "record of type " + record.getType() + " does not parse: " + e.getMessage());
                } catch (IllegalStateException e) {
                    throw new WalCorruptException(file, reader.recordOffset(), e.getMessage());
                }
            }
            scan.crc = reader.crc();
            scan.end = reader.validEnd();
            scan.tornReason = reader.tornReason();
            if (scan.metadata == null) {
                throw new WalCorruptException(file, 0, "no metadata record");
            }
            return scan;
        }

        private void add(Record record, long afterIndex) throws InvalidProtocolBufferException {
            long type = record.getType();
            if (type == ENTRY) {
                Entry entry = Entry.parseFrom(record.getData());
                // raft log semantics: an entry at an existing index replaces the tail from there
                while (!entries.isEmpty()
                        && entries.get(entries.size() - 1).getIndex() >= entry.getIndex()) {
                    entries.remove(entries.size() - 1);
                }
                if (entry.getIndex() > afterIndex) {
                    entries.add(entry);
                }
                lastIndex = entry.getIndex();
            } else if (type == STATE) {
                hardState = HardState.parseFrom(record.getData());
            } else if (type == METADATA) {
                if (metadata != null && !metadata.equals(record.getData())) {
                    throw new IllegalStateException("metadata record conflicts with the first one");
                }
                metadata = record.getData();
            } else if (type != CRC && type != SNAPSHOT) {
                // SNAPSHOT markers are written by a later version; reading past them is safe
                throw new IllegalStateException("unknown record type " + type);
            }
        }
    }
}
