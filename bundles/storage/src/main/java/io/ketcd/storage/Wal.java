package io.ketcd.storage;

import static io.ketcd.storage.internal.WalFrames.CRC;
import static io.ketcd.storage.internal.WalFrames.ENTRY;
import static io.ketcd.storage.internal.WalFrames.METADATA;
import static io.ketcd.storage.internal.WalFrames.SNAPSHOT;
import static io.ketcd.storage.internal.WalFrames.STATE;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.walpb.WalSnapshot;
import io.ketcd.storage.internal.WalFrames;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of a member: raft entries, hard states and snapshot markers, appended and
 * fsynced before raft may act on them (etcd's {@code wal} package). The file format and the
 * recovery rules are in this package's {@code package-info}.
 *
 * <p>Lifecycle: {@link #create} once per member, then {@link #open} on every start, which checks
 * every segment and repairs a torn tail of the last one; {@link #readAll(WalSnapshot)} gives the
 * log after a snapshot, {@link #save} and {@link #saveSnapshotMarker} append, and
 * {@link #releaseTo} deletes the segments a snapshot made unnecessary. The log is split into
 * segment files; a new one is cut when the current one reaches the segment size (64 MiB unless
 * given), always between two calls, so no call's records span two segments.
 *
 * <p>Not thread-safe: one owner (the raft driver) calls all methods. Every segment file is locked
 * while open, so a second process (or a second {@code open} in this one) fails.
 *
 * <p>This class keeps the log's state and writes it; reading and checking segments is {@link
 * WalScan}'s (open and readAll read by the same rules), and the files themselves (names, locks,
 * durable creation) are {@link WalSegment}'s.
 */
public final class Wal implements Closeable {

    /** etcd's {@code SegmentSizeBytes}: a segment is cut once it reaches this size. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /**
     * How far ahead of its records the last segment's file is filled with zeros: an append then
     * writes over blocks the file already has, within its length, so its fdatasync writes the data
     * and has no allocation or size change to commit to the file system's journal. That doubled
     * the saves per second of 16-entry batches (WalBench, alternated runs; a file merely extended
     * by a hole gained nothing there, as blocks are still allocated at each write). etcd
     * preallocates a whole segment for the same reason; a smaller step keeps the zeros an open
     * reads past the last record few.
     */
    static final long PREALLOCATE_BYTES = 1L << 20;
    /** The zeros written ahead, 64 KiB at a time: read-only, direct, so no write copies them. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);

    /**
     * Real paths of the WAL directories open in this process. A second open in the same process
     * must fail before it opens any segment file: closing any descriptor of a file drops all of
     * the process's POSIX locks on it, the first owner's included.
     */
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private final Path dir;
    /** This WAL's entry in {@link #OPEN}, removed on close. */
    private final Path openKey;
    private final long segmentBytes;
    private final ByteString metadata;
    /** Open segments, oldest first, each holding its file's lock; only the last is written. */
    private final List<WalSegment> segments;
    /** Frames new records, continuing the CRC chain from the last record. */
    private final WalFrames.Encoder encoder;
    /** Length of the last segment's records: the end of its last complete record. */
    private long end;
    /** Length of the last segment's file: {@link #end} and the zeros preallocated after it. */
    private long allocated;
    /** Index of the last entry saved (later entries truncate earlier ones) or of a later snapshot marker. */
    private long lastIndex;
    /** Last hard state saved, or the default instance. */
    private HardState lastState;
    private boolean closed;
    /** Set when a write failed: a file may end in a partial record, only reopening repairs it. */
    private boolean failed;
    /** Whether the last segment holds bytes written by an unsynced {@link #save(HardState, List, boolean)}. */
    private boolean unsynced;

    private Wal(Path dir, Path openKey, long segmentBytes, List<WalSegment> segments, WalScan scan) {
        this.dir = dir;
        this.openKey = openKey;
        this.segmentBytes = segmentBytes;
        this.metadata = scan.metadata;
        this.segments = segments;
        this.encoder = new WalFrames.Encoder(scan.crc);
        this.end = scan.end;
        this.allocated = scan.size;
        this.lastIndex = scan.lastIndex;
        this.lastState = scan.hardState;
    }

    /** True if {@code dir} holds a WAL segment file. */
    public static boolean exists(Path dir) throws IOException {
        return !WalSegment.list(dir, WalSegment.NAME).isEmpty();
    }

    /** {@link #create(Path, byte[], long)} with 64 MiB segments. */
    public static Wal create(Path dir, byte[] metadata) throws IOException {
        return create(dir, metadata, DEFAULT_SEGMENT_BYTES);
    }

    /**
     * Creates a WAL in {@code dir} (created if missing) holding {@code metadata}, and opens it. The
     * first segment is written under a temporary name, fsynced and renamed, so a crash leaves
     * either no WAL or a complete one.
     *
     * @param segmentBytes size at which a segment is cut (small values serve tests)
     * @throws FileAlreadyExistsException if {@code dir} already holds a WAL
     */
    public static Wal create(Path dir, byte[] metadata, long segmentBytes) throws IOException {
        checkSegmentBytes(segmentBytes);
        if (exists(dir)) {
            throw new FileAlreadyExistsException(dir.toString(), null, "a WAL already exists");
        }
        Files.createDirectories(dir);
        WalFrames.Encoder encoder = new WalFrames.Encoder(0);
        encoder.add(CRC, ByteString.EMPTY);
        encoder.add(METADATA, ByteString.copyFrom(metadata));
        WalSegment.writeDurably(dir, WalSegment.name(0, 0), encoder.drain());
        return open(dir, segmentBytes);
    }

    /** {@link #open(Path, long)} with 64 MiB segments. */
    public static Wal open(Path dir) throws IOException {
        return open(dir, DEFAULT_SEGMENT_BYTES);
    }

    /**
     * Opens the WAL in {@code dir} for reading and appending. Every segment is read and checked:
     * sequence numbers without gaps, the CRC chain across segments, every record. A torn tail of
     * the last segment is cut off (one WARN line says how many bytes); a last segment torn inside
     * its header (a crash while cutting it) is deleted, as it holds nothing a save acknowledged.
     * Leftover {@code .tmp} files of an interrupted create or cut are deleted. Nothing else is
     * ever dropped.
     *
     * @param segmentBytes size at which a segment is cut
     * @throws NoSuchFileException if {@code dir} holds no WAL
     * @throws WalCorruptException if a segment is missing from the sequence, a record other than
     *     the last one of the last segment is damaged, or a segment lacks its metadata record
     * @throws IOException if the WAL is locked by another owner or cannot be read
     */
    public static Wal open(Path dir, long segmentBytes) throws IOException {
        checkSegmentBytes(segmentBytes);
        List<Path> paths = WalSegment.list(dir, WalSegment.NAME);
        if (paths.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "no WAL segment");
        }
        Path openKey = dir.toRealPath();
        if (!OPEN.add(openKey)) {
            throw new IOException("WAL " + dir + " is locked: already open in this process");
        }
        List<WalSegment> segments = new ArrayList<>();
        try {
            for (Path path : paths) {
                WalSegment segment = WalSegment.open(path);
                segments.add(segment);
                long previous = segments.size() > 1 ? segments.get(segments.size() - 2).seq : -1;
                if (previous >= 0 && segment.seq != previous + 1) {
                    throw new WalCorruptException(path, 0, "segment sequence breaks: expected seq "
                            + (previous + 1) + " after " + previous + ", a segment is missing");
                }
            }
            // only now that every segment is locked by us can no other owner be cutting one
            for (Path tmp : WalSegment.list(dir, WalSegment.TMP_NAME)) {
                LOG.warn("WAL {}: deleting {}, left by an interrupted create or cut", dir, tmp.getFileName());
                Files.delete(tmp);
            }
            WalScan scan = new WalScan(segments.get(0), Long.MAX_VALUE);
            for (int i = 0; i < segments.size(); i++) {
                WalSegment segment = segments.get(i);
                boolean last = i == segments.size() - 1;
                WalScan.Torn torn = scan.read(segment, i == 0, last);
                if (torn == null) {
                    continue;
                }
                long size = scan.size;
                if (!torn.headerComplete()) {
                    // only a cut writes a header after the first segment, and a cut writes no
                    // acknowledged record: the previous segment ends where the last save ended
                    LOG.warn("WAL {}: deleting last segment {}, torn inside its header ({})",
                            dir, segment.path.getFileName(), torn.reason());
                    segment.close();
                    Files.delete(segment.path);
                    syncDir(dir);
                    segments.remove(i);
                    scan.end = segments.get(i - 1).channel.size();
                    scan.size = scan.end;
                } else {
                    segment.channel.truncate(scan.end);
                    segment.channel.force(true);
                    scan.size = scan.end;
                    LOG.warn("WAL {}: dropped {} bytes of a torn last record at offset {} ({})",
                            segment.path, size - scan.end, scan.end, torn.reason());
                }
            }
            return new Wal(dir, openKey, segmentBytes, segments, scan);
        } catch (IOException | RuntimeException e) {
            for (WalSegment segment : segments) {
                segment.close();
            }
            OPEN.remove(openKey);
            throw e;
        }
    }

    /**
     * Reads the log after {@code afterIndex}, without checking a snapshot marker: the form for a
     * member that applied up to {@code afterIndex} and keeps no snapshot file (ketcd's server,
     * which restores from its backend's consistent index).
     *
     * @throws WalSnapshotException if the segments that held entries after {@code afterIndex}
     *     were released
     * @throws WalCorruptException if the files no longer match what {@link #open} checked
     */
    public WalContents readAll(long afterIndex) throws IOException {
        checkUsable();
        return readFrom(afterIndex, null);
    }

    /**
     * Reads the log after snapshot {@code from} (etcd's {@code ReadAll} after {@code OpenForRead}):
     * the segments from the one holding the snapshot's index on are read, and a marker with the
     * snapshot's index and term must be among them. The empty snapshot (index 0) matches the start
     * of a log whose first segment was never released.
     *
     * @throws WalSnapshotException if no marker has the snapshot's index, the marker at that index
     *     has another term, or the segments holding it were released
     * @throws WalCorruptException if the files no longer match what {@link #open} checked
     */
    public WalContents readAll(WalSnapshot from) throws IOException {
        checkUsable();
        return readFrom(from.getIndex(), from);
    }

    /**
     * The snapshot markers a snapshot file may be loaded for (etcd's {@code ValidSnapshotEntries}):
     * every marker in the retained segments whose index is at most the commit index of the last
     * hard state, plus the empty snapshot while the first segment is retained; oldest first, a new
     * list owned by the caller.
     */
    public List<WalSnapshot> validSnapshots() throws IOException {
        checkUsable();
        WalScan scan = new WalScan(segments.get(0), Long.MAX_VALUE);
        scan.markers = new ArrayList<>();
        if (segments.get(0).seq == 0) {
            scan.markers.add(WalSnapshot.getDefaultInstance());
        }
        readSegments(scan, 0);
        long commit = scan.hardState.getCommit();
        return new ArrayList<>(scan.markers.stream().filter(s -> s.getIndex() <= commit).toList());
    }

    private WalContents readFrom(long afterIndex, WalSnapshot from) throws IOException {
        // entries after the index may start a segment; a snapshot's marker may be in the one before
        int first = searchIndex(from != null || afterIndex == Long.MAX_VALUE ? afterIndex : afterIndex + 1);
        if (first < 0) {
            throw new WalSnapshotException("WAL " + dir + " no longer holds the log after index " + afterIndex
                    + ": its oldest segment starts at " + segments.get(0).firstIndex
                    + " (older segments were released)");
        }
        WalScan scan = new WalScan(segments.get(first), afterIndex);
        scan.from = from;
        boolean matched = from != null && from.getIndex() == 0 && segments.get(first).seq == 0;
        readSegments(scan, first);
        if (scan.mismatch != null) {
            throw new WalSnapshotException("WAL " + dir + ": " + scan.mismatch);
        }
        if (from != null && !matched && !scan.matched) {
            throw new WalSnapshotException("WAL " + dir + " holds no snapshot marker at index "
                    + from.getIndex() + " (term " + from.getTerm() + ")");
        }
        return new WalContents(scan.metadata.toByteArray(), scan.hardState, scan.entries);
    }

    private void readSegments(WalScan scan, int first) throws IOException {
        for (int i = first; i < segments.size(); i++) {
            WalScan.Torn torn = scan.read(segments.get(i), i == first, i == segments.size() - 1);
            if (torn != null || (i == segments.size() - 1 && scan.end != end)) {
                throw new WalCorruptException(segments.get(i).path, scan.end,
                        "file changed since it was opened");
            }
        }
    }

    /** Position of the last segment whose first index is at most {@code index}, or -1. */
    private int searchIndex(long index) {
        for (int i = segments.size() - 1; i >= 0; i--) {
            if (segments.get(i).firstIndex <= index) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Appends {@code entries} and then {@code state}, and fsyncs once before returning; the caller
     * batches as much as it can into one call. An entry whose index is at or below
     * {@link #lastIndex()} replaces the log from that index on. The state is skipped when it is
     * null or empty, or when {@code entries} is empty and the state equals the last one saved; an
     * empty call writes and syncs nothing. If the segment has reached the segment size afterwards,
     * a new one is cut before returning.
     *
     * @param entries consecutive indexes, the first at most {@code lastIndex() + 1}; not retained
     * @throws IllegalArgumentException if the entries leave a gap; nothing is written then
     * @throws IOException if writing, syncing or cutting fails; this WAL is unusable afterwards
     *     and must be reopened (which repairs a partial write)
     */
    public void save(HardState state, List<Entry> entries) throws IOException {
        save(state, entries, true);
    }

    /**
     * As {@link #save(HardState, List)}, but without the fsync when {@code sync} is false: for a
     * call where nothing must be durable before the caller goes on (etcd's {@code mustSync} is
     * false when only the commit index moved, which a restart learns again from the leader). The
     * next synced write, a segment cut or {@link #close()} makes it durable too.
     */
    public void save(HardState state, List<Entry> entries, boolean sync) throws IOException {
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
        append(sync);
        if (!entries.isEmpty()) {
            lastIndex = entries.get(entries.size() - 1).getIndex();
        }
        if (saveState) {
            lastState = state;
        }
        cutIfFull();
    }

    /**
     * Appends a marker saying a snapshot at {@code snapshot}'s index and term was saved, and fsyncs
     * (etcd's {@code SaveSnapshot}). Save the marker before the snapshot file: a marker without its
     * file is harmless (the file is looked up by the marker), a file without its marker is never
     * loaded. A marker past {@link #lastIndex()} (a snapshot received from the leader) moves it
     * there, so the next entry follows the snapshot.
     *
     * @throws IOException as {@link #save}
     */
    public void saveSnapshotMarker(WalSnapshot snapshot) throws IOException {
        checkUsable();
        encoder.add(SNAPSHOT, snapshot.toByteString());
        append();
        lastIndex = Math.max(lastIndex, snapshot.getIndex());
        cutIfFull();
    }

    /**
     * Deletes the segments that hold nothing at or after {@code index}: those before the last
     * segment whose first index is at most {@code index} (etcd's {@code ReleaseLockTo}, which also
     * purges here). Call it after a snapshot at {@code index} is saved; the segment holding that
     * snapshot's marker is kept, so {@link #readAll(WalSnapshot)} from it still works. The oldest
     * segment goes first, so a crash in between leaves a sequence without gaps.
     *
     * @return the number of segments deleted
     */
    public int releaseTo(long index) throws IOException {
        checkUsable();
        int keep = Math.max(0, searchIndex(index));
        for (int i = 0; i < keep; i++) {
            WalSegment segment = segments.get(0);
            segment.close();
            Files.delete(segment.path);
            segments.remove(0);
        }
        if (keep > 0) {
            syncDir(dir);
        }
        return keep;
    }

    /** Index of the last entry in the log (or of a later snapshot marker), 0 if none. */
    public long lastIndex() {
        return lastIndex;
    }

    /** Where the last segment's records end; its file goes on with preallocated zeros. */
    long recordsEnd() {
        return end;
    }

    /** The segment files now in use, oldest first; a new list owned by the caller. */
    public List<Path> segmentFiles() {
        return new ArrayList<>(segments.stream().map(s -> s.path).toList());
    }

    /** Releases the files and their locks. Everything saved is already durable. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!failed) {
                syncTail();
            }
            for (WalSegment segment : segments) {
                segment.close();
            }
        } finally {
            OPEN.remove(openKey);
        }
    }

    /** Writes what the encoder holds to the last segment and fsyncs it (with anything unsynced before). */
    private void append() throws IOException {
        append(true);
    }

    private void append(boolean sync) throws IOException {
        ByteBuffer frames = encoder.drain();
        int length = frames.remaining();
        try {
            FileChannel channel = segments.get(segments.size() - 1).channel;
            if (end + length > allocated) {
                // not synced here: zeros that do not reach the disk leave a shorter file, as before
                long extended = end + length + PREALLOCATE_BYTES;
                for (long at = Math.max(allocated, end); at < extended; at += ZEROS.capacity()) {
                    ByteBuffer zeros = ZEROS.duplicate();
                    zeros.limit((int) Math.min(zeros.capacity(), extended - at));
                    WalSegment.writeFully(channel, zeros, at);
                }
                allocated = extended;
            }
            WalSegment.writeFully(channel, frames, end);
            if (sync) {
                channel.force(false);
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
        end += length;
        unsynced = !sync;
    }

    /** Makes an unsynced tail of the last segment durable. */
    private void syncTail() throws IOException {
        if (!unsynced) {
            return;
        }
        try {
            segments.get(segments.size() - 1).channel.force(false);
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
        unsynced = false;
    }

    /**
     * Starts the next segment once the last one is full (etcd's {@code cut}). The last segment is
     * already synced up to its end. The new one gets a CRC record continuing the chain, the
     * metadata and the last hard state, is written under a {@code .tmp} name, fsynced, renamed and
     * the directory fsynced: a crash leaves either the old last segment or a complete new one.
     */
    private void cutIfFull() throws IOException {
        if (end < segmentBytes) {
            return;
        }
        WalSegment current = segments.get(segments.size() - 1);
        if (allocated > end) {
            // only the last segment may end in zeros (as in etcd, whose cut truncates too)
            try {
                current.channel.truncate(end);
                current.channel.force(true);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
            allocated = end;
            unsynced = false;
        }
        syncTail();
        String name = WalSegment.name(current.seq + 1, lastIndex + 1);
        encoder.add(CRC, ByteString.EMPTY);
        encoder.add(METADATA, metadata);
        if (!lastState.equals(HardState.getDefaultInstance())) {
            encoder.add(STATE, lastState.toByteString());
        }
        ByteBuffer header = encoder.drain();
        long length = header.remaining();
        try {
            Path path = WalSegment.writeDurably(dir, name, header);
            segments.add(WalSegment.open(path));
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
        end = length;
        allocated = length;
    }

    static void syncDir(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // makes renames and deletes durable
        }
    }

    private static void checkSegmentBytes(long segmentBytes) {
        if (segmentBytes <= 0) {
            throw new IllegalArgumentException("segment size must be positive: " + segmentBytes);
        }
    }

    private void checkUsable() {
        if (segments.isEmpty() || !segments.get(segments.size() - 1).channel.isOpen()) {
            throw new IllegalStateException("WAL " + dir + " is closed");
        }
        if (failed) {
            throw new IllegalStateException("WAL " + dir + " failed to write; reopen it");
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
}
