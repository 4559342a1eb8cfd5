package io.ketcd.storage.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.proto.walpb.Record;
import io.ketcd.storage.WalCorruptException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads the records of one WAL segment in order, checking frames and the CRC chain, and tells a
 * torn tail from corruption.
 *
 * <p>A torn tail is what a crash during an append can leave, and is reported by {@link #next}
 * returning null with {@link #tornReason()} set and {@link #validEnd()} at the end of the last
 * good record:
 * <ul>
 *   <li>a frame cut short anywhere (in the length word, the record or its padding);
 *   <li>zero bytes from a frame start to the end of the file (the file grew, the data did not
 *       arrive);
 *   <li>a complete frame whose record fails its CRC or does not parse, followed only by zero
 *       bytes or nothing.
 * </ul>
 * Anything else that fails a check, namely a damaged record with non-zero bytes after it, is
 * corruption and throws {@link WalCorruptException} at the frame's start offset.
 *
 * <p>A length word that fails its own check is not trusted to find the end of its record, so it
 * counts as followed by whatever remains of the file.
 */
public final class SegmentReader {

    private final Path file;
    private final InputStream in;
    /** Bytes consumed from {@link #in}. */
    private long position;
    /** End of the last good record; everything before it has been checked. */
    private long validEnd;
    private long recordOffset = -1;
    /** Chain value after the last good record; unset (first = true) until the CRC record. */
    private int crc;
    private boolean first = true;
    private String tornReason;
    /** Whether the segment ended in zero bytes only, from a frame start to the end of the file. */
    private boolean zeroTail;

    /** @param in the segment from its first byte; buffered by the caller */
    public SegmentReader(Path file, InputStream in) {
        this.file = file;
        this.in = in;
    }

    /**
     * The next good record, or null at the end of the segment: the clean end when
     * {@link #tornReason()} is null, else a torn tail starting at {@link #validEnd()}.
     *
     * @throws WalCorruptException on a damaged record that is not the last one, or a segment not
     *     starting with a CRC record
     * @throws IOException if reading fails
     */
    public Record next() throws IOException {
        long start = position;
        byte[] header = read(WalFrames.HEADER_BYTES);
        if (header.length == 0) {
            return null;
        }
        if (header.length < WalFrames.HEADER_BYTES) {
            return allZero(header) ? endInZeros() : torn("frame header cut short");
        }
        long word = 0;
        for (int i = WalFrames.HEADER_BYTES - 1; i >= 0; i--) {
            word = (word << 8) | (header[i] & 0xFF);
        }
        int length = (int) word;
        if (length < 0 || WalFrames.header(length) != word) {
            if (allZero(header) && restIsZero()) {
                return endInZeros();
            }
            throw new WalCorruptException(file, start, "bad frame header " + Long.toHexString(word));
        }
        int padding = WalFrames.padding(length);
        byte[] body = read(length + padding);
        if (body.length < length + padding) {
            return torn("record cut short: " + body.length + " of " + (length + padding) + " bytes");
        }
        String damage = null;
        Record record = null;
        try {
            record = Record.parseFrom(ByteBuffer.wrap(body, 0, length));
            damage = check(record, body, length);
        } catch (InvalidProtocolBufferException e) {
            damage = "record does not parse: " + e.getMessage();
        }
        if (damage != null) {
            if (restIsZero()) {
                return torn("damaged last record (" + damage + ")");
            }
            throw new WalCorruptException(file, start, damage);
        }
        if (first || record.getType() != WalFrames.CRC) {
            // the first CRC record seeds the chain; later ones only repeat its value
            crc = record.getCrc();
        }
        first = false;
        recordOffset = start;
        validEnd = position;
        return record;
    }

    /** Why the segment ended in a torn tail, or null if it ended cleanly (or has not ended). */
    public String tornReason() {
        return tornReason;
    }

    /**
     * Whether the segment's tail is zero bytes only, from the end of the last good record to the
     * end of the file: preallocated space that a crash left as it was, or a file that grew before
     * its data reached the disk. Either way nothing after the last good record was acknowledged.
     */
    public boolean zeroTail() {
        return zeroTail;
    }

    /** End of the last good record: the length the segment is repaired to. */
    public long validEnd() {
        return validEnd;
    }

    /** Start offset of the frame of the record {@link #next} returned last. */
    public long recordOffset() {
        return recordOffset;
    }

    /** The CRC chain value after the last good record. */
    public int crc() {
        return crc;
    }

    /** The reason a parsed record is damaged, or null if it is good. */
    private String check(Record record, byte[] body, int length) {
        for (int i = length; i < body.length; i++) {
            if (body[i] != 0) {
                return "non-zero padding";
            }
        }
        if (first) {
            return record.getType() == WalFrames.CRC
                    ? null : "segment does not start with a crc record (type " + record.getType() + ")";
        }
        int expected = record.getType() == WalFrames.CRC
                ? crc : WalFrames.chain(crc, record.getType(), record.getData());
        if (record.getCrc() != expected) {
            return "crc mismatch: record has " + Integer.toHexString(record.getCrc())
                    + ", chain gives " + Integer.toHexString(expected);
        }
        return null;
    }

    private Record endInZeros() {
        zeroTail = true;
        return torn("trailing zero bytes");
    }

    private Record torn(String reason) {
        tornReason = reason;
        return null;
    }

    /** Up to n bytes; fewer only at the end of the stream. */
    private byte[] read(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        position += bytes.length;
        return bytes;
    }

    /** Consumes the rest of the stream; true if all of it is zero (or there is none). */
    private boolean restIsZero() throws IOException {
        byte[] chunk;
        boolean zero = true;
        while ((chunk = read(8192)).length > 0) {
            zero &= allZero(chunk);
        }
        return zero;
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
