package io.ketcd.storage.internal;

import com.google.protobuf.ByteString;
import io.ketcd.proto.walpb.Record;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The WAL's record framing and CRC chain, shared by the writer ({@link Encoder}) and
 * {@link SegmentReader}. The format is documented in {@code io.ketcd.storage}'s package-info.
 */
public final class WalFrames {

    /** Record types, with etcd's numbers. */
    public static final long METADATA = 1;
    public static final long ENTRY = 2;
    public static final long STATE = 3;
    public static final long CRC = 4;
    public static final long SNAPSHOT = 5;

    /** Size of the length word in front of every record. */
    public static final int HEADER_BYTES = 8;

    private WalFrames() {
    }

    /** Zero bytes after a record of {@code length} bytes, up to the next multiple of 8. */
    public static int padding(int length) {
        return -length & 7;
    }

    /** The length word: low 32 bits the length, high 32 bits a CRC32C of the 4 length bytes. */
    public static long header(int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(length).flip());
        return (crc.getValue() << 32) | (length & 0xFFFF_FFFFL);
    }

    /**
     * The next link of the CRC chain: CRC32C over the previous value (4 bytes little-endian), the
     * type (8 bytes little-endian) and the data. Chaining makes a record valid only in its place:
     * a record copied, dropped or reordered breaks every CRC after it.
     */
    public static int chain(int previous, long type, ByteString data) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(previous).putLong(type).flip());
        for (ByteBuffer part : data.asReadOnlyByteBufferList()) {
            crc.update(part);
        }
        return (int) crc.getValue();
    }

    /**
     * Frames records into a buffer while keeping the CRC chain. Not thread-safe. The chain value
     * advances as records are added, before they reach the file: a writer whose write then fails
     * must not be used again.
     */
    public static final class Encoder {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        private int crc;

        /** @param crc the chain value after the last record already in the file */
        public Encoder(int crc) {
            this.crc = crc;
        }

        /** Frames a record; a {@link #CRC} record carries the chain value and does not advance it. */
        public void add(long type, ByteString data) {
            if (type != CRC) {
                crc = chain(crc, type, data);
            }
            byte[] record = Record.newBuilder().setType(type).setCrc(crc).setData(data).build()
                    .toByteArray();
            long header = header(record.length);
            for (int i = 0; i < HEADER_BYTES; i++) {
                out.write((int) (header >>> (8 * i)));
            }
            out.write(record, 0, record.length);
            out.write(new byte[padding(record.length)], 0, padding(record.length));
        }

        /** The frames added since the last call, ready to write; the encoder is empty afterwards. */
        public ByteBuffer drain() {
            ByteBuffer frames = ByteBuffer.wrap(out.toByteArray());
            out.reset();
            return frames;
        }

        public int crc() {
            return crc;
        }
    }
}
