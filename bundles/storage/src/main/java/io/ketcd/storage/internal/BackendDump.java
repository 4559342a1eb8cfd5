package io.ketcd.storage.internal;

import io.ketcd.storage.BackendDumpCorruptException;
import io.ketcd.storage.BucketSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes and reads the backend dump format (specified in {@code io.ketcd.storage}'s
 * {@code package-info}): a header, chunks of at most {@link #MAX_CHUNK} payload bytes each with a
 * CRC32C, and a trailer. The chunk payloads concatenated form the record stream, so a record
 * (a 1 MiB value, say) may span many chunks while no chunk is ever larger than the bound.
 *
 * <p>Both directions stream: memory use is one chunk plus the record being assembled.
 */
public final class BackendDump {

    /** "ketcddb" and a NUL: says what the stream is before anything else is trusted. */
    static final byte[] MAGIC = {'k', 'e', 't', 'c', 'd', 'd', 'b', 0};
    static final int VERSION = 1;
    static final int HEADER_BYTES = MAGIC.length + 4;
    /** Bound on a chunk's payload: the largest buffer a reader allocates for framing. */
    public static final int MAX_CHUNK = 64 * 1024;
    /** Length word (4) and kind (1) before the payload; CRC32C (4) after it. */
    static final int FRAME_HEAD = 5;
    static final int FRAME_TAIL = 4;
    static final byte KIND_DATA = 'D';
    static final byte KIND_TRAILER = 'T';
    /** Record count (8), consistent index (8), CRC32C of all bytes before the trailer (4). */
    static final int TRAILER_BYTES = 20;
    static final byte RECORD_BUCKET = 1;
    static final byte RECORD_ENTRY = 2;
    /** Bucket names are short identifiers; a longer one is damage, not data. */
    static final int MAX_NAME_BYTES = 4096;
    /** Largest array the JVM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private BackendDump() {
    }

    /** Where the records of a dump go while it is read. Records arrive in dump order. */
    /** What a verified trailer says, and its dump offset (for messages about it). */
    public record Trailer(long records, long consistentIndex, long offset) {
    }

    /**
     * Writes one dump: construct (writes the header), give buckets and their entries in order,
     * then {@link #finish}. Not thread-safe; writes to {@code out} in whole chunks.
     */
    public static final class Writer {

        private final OutputStream out;
        /** One frame: head, payload filled from {@link #FRAME_HEAD}, room for the CRC. */
        private final byte[] frame = new byte[FRAME_HEAD + MAX_CHUNK + FRAME_TAIL];
        private final byte[] word = new byte[8];
        /** Payload bytes in {@link #frame}. */
        private int used;
        /** CRC32C of everything written so far; goes into the trailer. */
        private final CRC32C total = new CRC32C();
        private long records;

        public Writer(OutputStream out) throws IOException {
            this.out = out;
            byte[] header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putInt(VERSION).array();
            emit(header, header.length);
        }

        public void bucket(String name) throws IOException {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("bucket name longer than " + MAX_NAME_BYTES
                        + " bytes: " + name.substring(0, 64) + "...");
            }
            word[0] = RECORD_BUCKET;
            append(word, 0, 1);
            appendLength(bytes.length);
            append(bytes, 0, bytes.length);
            records++;
        }

        public void entry(byte[] key, byte[] value) throws IOException {
            word[0] = RECORD_ENTRY;
            append(word, 0, 1);
            appendLength(key.length);
            append(key, 0, key.length);
            appendLength(value.length);
            append(value, 0, value.length);
            records++;
        }

        /** Writes the last chunk and the trailer, then flushes {@code out}. */
        public void finish(long consistentIndex) throws IOException {
            if (used > 0) {
                flushChunk(KIND_DATA);
            }
            ByteBuffer.wrap(frame, FRAME_HEAD, TRAILER_BYTES)
                    .putLong(records).putLong(consistentIndex).putInt((int) total.getValue());
            used = TRAILER_BYTES;
            flushChunk(KIND_TRAILER);
            out.flush();
        }

        private void appendLength(int length) throws IOException {
            ByteBuffer.wrap(word).putInt(0, length);
            append(word, 0, 4);
        }

        private void append(byte[] bytes, int off, int len) throws IOException {
            while (len > 0) {
                if (used == MAX_CHUNK) {
                    flushChunk(KIND_DATA);
                }
                int n = Math.min(len, MAX_CHUNK - used);
                System.arraycopy(bytes, off, frame, FRAME_HEAD + used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        private void flushChunk(byte kind) throws IOException {
            ByteBuffer.wrap(frame).putInt(0, used).put(4, kind);
            CRC32C crc = new CRC32C();
            crc.update(frame, 0, FRAME_HEAD + used);
            ByteBuffer.wrap(frame).putInt(FRAME_HEAD + used, (int) crc.getValue());
            emit(frame, FRAME_HEAD + used + FRAME_TAIL);
            used = 0;
        }

        private void emit(byte[] bytes, int len) throws IOException {
            out.write(bytes, 0, len);
            total.update(bytes, 0, len);
        }
    }

    /**
     * Reads a whole dump from {@code in}, handing each record to {@code sink} as soon as its
     * chunks passed their CRC, and checks the trailer and that the stream ends right after it.
     * Records already given to the sink are not taken back when a later check fails: the caller
     * must discard what it built unless this returns.
     *
     * @throws BackendDumpCorruptException if the dump is cut short at any byte or damaged
     * @throws IOException if {@code in} or the sink fails
     */
    public static Trailer read(InputStream in, BucketSink sink) throws IOException {
        return new Reader(in).readAll(sink);
    }

    private static final class Reader {

        private final InputStream in;
        /** Bytes consumed from {@link #in}: the dump offset of the next unread byte. */
        private long offset;
        private final CRC32C total = new CRC32C();
        private final byte[] frame = new byte[FRAME_HEAD + MAX_CHUNK + FRAME_TAIL];
        private final byte[] word = new byte[8];
        /** Unread payload of the current data chunk is {@code frame[pos, limit)}. */
        private int pos;
        private int limit;
        /** Dump offset of {@code frame[0]}. */
        private long frameOffset;
        /** Set once the trailer chunk was read; its payload is then in {@link #frame}. */
        private boolean trailerRead;
        /** Dump offset of the record being parsed, for messages. */
        private long recordOffset;

        Reader(InputStream in) {
            this.in = in;
        }

        Trailer readAll(BucketSink sink) throws IOException {
            readHeader();
            long records = 0;
            String bucket = null;
            byte[] lastKey = null;
            while (nextRecord()) {
                byte type = frame[pos++];
                if (type == RECORD_BUCKET) {
                    int n = readLength("bucket name", MAX_NAME_BYTES);
                    String name = decodeName(readBytes(n));
                    if (bucket != null && name.compareTo(bucket) <= 0) {
                        throw corrupt(recordOffset, "bucket \"" + name + "\" does not sort after \""
                                + bucket + "\" (duplicate or out of order)");
                    }
                    bucket = name;
                    lastKey = null;
                    sink.bucket(name);
                } else if (type == RECORD_ENTRY) {
                    if (bucket == null) {
                        throw corrupt(recordOffset, "key/value record before any bucket record");
                    }
                    byte[] key = readBytes(readLength("key", MAX_ARRAY));
                    byte[] value = readBytes(readLength("value", MAX_ARRAY));
                    if (lastKey != null && Arrays.compareUnsigned(key, lastKey) <= 0) {
                        throw corrupt(recordOffset, "key in bucket \"" + bucket
                                + "\" does not sort after the previous one (duplicate or out of order)");
                    }
                    lastKey = key;
                    sink.entry(key, value);
                } else {
                    throw corrupt(recordOffset, "unknown record type " + type);
                }
                records++;
            }
            ByteBuffer trailer = ByteBuffer.wrap(frame, FRAME_HEAD, TRAILER_BYTES);
            long expectedRecords = trailer.getLong();
            long consistentIndex = trailer.getLong();
            int expectedCrc = trailer.getInt();
            if (expectedRecords != records) {
                throw corrupt(frameOffset, "trailer says " + expectedRecords + " records, the dump holds "
                        + records);
            }
            if (expectedCrc != (int) total.getValue()) {
                throw corrupt(frameOffset, "trailer CRC32C " + Integer.toHexString(expectedCrc)
                        + " does not match the dump's " + Long.toHexString(total.getValue()));
            }
            if (in.read() != -1) {
                throw corrupt(offset, "bytes follow the trailer");
            }
            return new Trailer(records, consistentIndex, frameOffset);
        }

        private void readHeader() throws IOException {
            readFully(frame, 0, HEADER_BYTES, "the header");
            if (!Arrays.equals(frame, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw corrupt(0, "not a backend dump (bad magic)");
            }
            int version = ByteBuffer.wrap(frame).getInt(MAGIC.length);
            if (version != VERSION) {
                throw corrupt(MAGIC.length, "unknown format version " + version + " (damaged, or written"
                        + " by a newer ketcd; this one reads version " + VERSION + ")");
            }
            total.update(frame, 0, HEADER_BYTES);
        }

        /**
         * Positions at the next record's first byte, reading a chunk if needed; false once the
         * trailer is reached at a record boundary.
         */
        private boolean nextRecord() throws IOException {
            if (pos == limit) {
                nextChunk();
                if (trailerRead) {
                    return false;
                }
            }
            recordOffset = frameOffset + pos;
            return true;
        }

        private int readLength(String what, int max) throws IOException {
            readInto(word, 0, 4);
            int n = ByteBuffer.wrap(word).getInt(0);
            if (n < 0 || n > max) {
                throw corrupt(recordOffset, what + " length " + Integer.toUnsignedString(n)
                        + " is over the bound of " + max);
            }
            return n;
        }

        private byte[] readBytes(int n) throws IOException {
            byte[] bytes = new byte[n];
            readInto(bytes, 0, n);
            return bytes;
        }

        /** Copies record bytes out of as many chunks as they span. */
        private void readInto(byte[] dst, int off, int len) throws IOException {
            while (len > 0) {
                if (pos == limit) {
                    nextChunk();
                    if (trailerRead) {
                        throw corrupt(recordOffset, "record is cut off by the trailer");
                    }
                }
                int n = Math.min(len, limit - pos);
                System.arraycopy(frame, pos, dst, off, n);
                pos += n;
                off += n;
                len -= n;
            }
        }

        /** Reads and verifies one chunk; a data chunk's payload becomes {@code [pos, limit)}. */
        private void nextChunk() throws IOException {
            frameOffset = offset;
            readFully(frame, 0, FRAME_HEAD, "a chunk or the trailer");
            int length = ByteBuffer.wrap(frame).getInt(0);
            byte kind = frame[4];
            if (kind == KIND_DATA) {
                if (length < 1 || length > MAX_CHUNK) {
                    throw corrupt(frameOffset, "data chunk length " + Integer.toUnsignedString(length)
                            + " is not in [1, " + MAX_CHUNK + "]");
                }
            } else if (kind == KIND_TRAILER) {
                if (length != TRAILER_BYTES) {
                    throw corrupt(frameOffset, "trailer length " + Integer.toUnsignedString(length)
                            + " is not " + TRAILER_BYTES);
                }
            } else {
                throw corrupt(frameOffset, "unknown chunk kind " + kind);
            }
            readFully(frame, FRAME_HEAD, length + FRAME_TAIL, "the chunk starting at offset " + frameOffset);
            CRC32C crc = new CRC32C();
            crc.update(frame, 0, FRAME_HEAD + length);
            int expected = ByteBuffer.wrap(frame).getInt(FRAME_HEAD + length);
            if (expected != (int) crc.getValue()) {
                throw corrupt(frameOffset, "chunk of " + length + " bytes fails its CRC32C (stored "
                        + Integer.toHexString(expected) + ", computed " + Long.toHexString(crc.getValue()) + ")");
            }
            if (kind == KIND_TRAILER) {
                trailerRead = true;
                pos = limit = 0;
                return;
            }
            // the trailer's CRC covers everything before the trailer chunk
            total.update(frame, 0, FRAME_HEAD + length + FRAME_TAIL);
            pos = FRAME_HEAD;
            limit = FRAME_HEAD + length;
        }

        private void readFully(byte[] dst, int off, int len, String what) throws IOException {
            int n = in.readNBytes(dst, off, len);
            offset += n;
            if (n < len) {
                throw corrupt(offset, "the stream ends after " + n + " of the " + len + " bytes of "
                        + what + " (cut short, or a length field is damaged)");
            }
        }

        private String decodeName(byte[] bytes) throws BackendDumpCorruptException {
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes));
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw corrupt(recordOffset, "bucket name is not UTF-8");
            }
        }

        private static BackendDumpCorruptException corrupt(long at, String reason) {
            return new BackendDumpCorruptException(at, reason);
        }
    }
}
