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
import io.ketcd.proto.walpb.WalSnapshot;
import io.ketcd.storage.internal.SegmentReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One pass over consecutive segments of a {@link Wal}: what {@link Wal#open} checks and {@link
 * Wal#readAll} returns, apart from writing, so that both read a segment by the same rules.
 * Segments are read in order through {@link #read}, which carries the CRC chain, the last
 * index and the hard state from one to the next.
 */
final class WalScan {
    /** How a segment ended short of its file's length. */
    record Torn(String reason, boolean headerComplete) {
    }

    private final long afterIndex;
    ByteString metadata;
    HardState hardState = HardState.getDefaultInstance();
    /** Entries after {@link #afterIndex}, with overwritten tails removed. */
    final List<Entry> entries = new ArrayList<>();
    /** Snapshot markers seen, when collected; else null. */
    List<WalSnapshot> markers;
    /** The snapshot whose marker must be found, or null. */
    WalSnapshot from;
    boolean matched;
    /** Why a marker at the snapshot's index does not match it, or null. */
    String mismatch;
    /**
     * Last index of the log so far. A segment named with first index {@code i} was cut when
     * the log ended at {@code i - 1}, so a scan starting there starts from {@code i - 1}.
     */
    long lastIndex;
    /** Chain value after the last good record. */
    int crc;
    /** End of the last good record of the last segment read. */
    long end;
    /** Length of the file of the last segment read. */
    long size;

    WalScan(WalSegment first, long afterIndex) {
        this.afterIndex = afterIndex;
        this.lastIndex = Math.max(0, first.firstIndex - 1);
    }

    /**
     * Reads one segment. A tear is corruption unless the segment is the last one; in the
     * last one, it is returned (with {@link #end} at the end of the last good record) for
     * the caller to repair or reject.
     *
     * <p>Reads through the segment's own channel: closing any other descriptor of the file
     * would drop the process's POSIX lock on it. The stream is therefore never closed; writes
     * are positional, so moving the channel's position is harmless.
     */
    Torn read(WalSegment segment, boolean first, boolean last) throws IOException {
        Path file = segment.path;
        InputStream in = new BufferedInputStream(Channels.newInputStream(segment.channel.position(0)), 1 << 16);
        SegmentReader reader = new SegmentReader(file, in);
        boolean sawMetadata = false;
        boolean sawCrc = false;
        Record record;
        while ((record = reader.next()) != null) {
            long type = record.getType();
            if (!sawCrc) {
                sawCrc = true;
                // the reader guarantees a CRC record comes first; it must continue the chain
                if (!first && record.getCrc() != crc) {
                    throw new WalCorruptException(file, 0, "crc chain broken between segments: segment starts at "
                            + Integer.toHexString(record.getCrc()) + ", previous one ended at "
                            + Integer.toHexString(crc));
                }
            } else if (!sawMetadata && type != METADATA) {
                throw new WalCorruptException(file, reader.recordOffset(),
                        "second record of a segment is of type " + type + ", not metadata");
            }
            sawMetadata |= type == METADATA;
            try {
                add(record);
            } catch (InvalidProtocolBufferException e) {
                // the CRC matched, so the writer wrote this: a format bug, not a torn write
                throw new WalCorruptException(file, reader.recordOffset(),
                        "record of type " + type + " does not parse: " + e.getMessage());
            } catch (IllegalStateException e) {
                throw new WalCorruptException(file, reader.recordOffset(), e.getMessage());
            }
        }
        String torn = reader.tornReason();
        if (torn != null && last && sawMetadata && reader.zeroTail()) {
            torn = null; // the zeros the WAL writes ahead of its last record
        }
        if (torn != null && !last) {
            throw new WalCorruptException(file, reader.validEnd(),
                    "torn record in a segment that is not the last (" + torn + ")");
        }
        if (!sawMetadata) {
            if (first || !last) {
                throw new WalCorruptException(file, 0, "no metadata record"
                        + (torn == null ? "" : " (" + torn + ")"));
            }
            // a last segment whose header did not reach the disk whole, even if it ends at
            // a frame boundary (empty, or only the CRC record)
            torn = torn == null ? "segment header incomplete" : torn;
        }
        if (sawMetadata) {
            crc = reader.crc();
            end = reader.validEnd();
        }
        size = segment.channel.size();
        return torn == null ? null : new Torn(torn, sawMetadata);
    }

    private void add(Record record) throws InvalidProtocolBufferException {
        long type = record.getType();
        if (type == ENTRY) {
            Entry entry = Entry.parseFrom(record.getData());
            if (entry.getIndex() < 1 || entry.getIndex() > lastIndex + 1) {
                throw new IllegalStateException("entry index " + entry.getIndex()
                        + " leaves a gap after last index " + lastIndex);
            }
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
        } else if (type == SNAPSHOT) {
            WalSnapshot snapshot = WalSnapshot.parseFrom(record.getData());
            if (snapshot.getIndex() > lastIndex) {
                // a snapshot past the log replaces it: the next entry follows the snapshot
                entries.clear();
                lastIndex = snapshot.getIndex();
            }
            if (markers != null) {
                markers.add(snapshot);
            }
            if (from != null && snapshot.getIndex() == from.getIndex()) {
                if (snapshot.getTerm() == from.getTerm()) {
                    matched = true;
                } else if (mismatch == null) {
                    mismatch = "snapshot marker at index " + snapshot.getIndex() + " has term "
                            + snapshot.getTerm() + ", the snapshot has term " + from.getTerm();
                }
            }
        } else if (type == METADATA) {
            if (metadata != null && !metadata.equals(record.getData())) {
                throw new IllegalStateException("metadata record conflicts with the first one");
            }
            metadata = record.getData();
        } else if (type != CRC) {
            throw new IllegalStateException("unknown record type " + type);
        }
    }
}
