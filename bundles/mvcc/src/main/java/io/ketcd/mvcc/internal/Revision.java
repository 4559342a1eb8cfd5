package io.ketcd.mvcc.internal;

import java.nio.ByteBuffer;

/**
 * A point in the history of the key space (etcd's {@code revision}): every change made by one
 * request shares {@link #main}, and {@link #sub} numbers the changes within it from 0.
 *
 * <p>In the backend's key bucket a revision is the key of the stored {@code mvccpb.KeyValue}:
 * {@value #BYTES_LEN} bytes, {@code main} as 8 bytes big-endian, the byte {@code '_'}, {@code sub}
 * as 8 bytes big-endian; a deletion (tombstone) appends the marker byte {@code 't'}. Because both
 * numbers are non-negative, the unsigned byte order of encoded revisions is their numeric order,
 * so a scan of the bucket visits history in revision order. Example: {@code {main=2, sub=1}} is
 * {@code 00 00 00 00 00 00 00 02 5f 00 00 00 00 00 00 00 01}.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {

    /** Length of an encoded revision. */
    public static final int BYTES_LEN = 8 + 1 + 8;
    /** Length of an encoded revision with a trailing marker byte. */
    public static final int MARKED_BYTES_LEN = BYTES_LEN + 1;
    /** The marker byte of a tombstone. */
    public static final byte TOMBSTONE_MARK = 't';

    private static final byte SEPARATOR = '_';

    /** True if this revision comes after {@code other}. */
    public boolean greaterThan(Revision other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Revision other) {
        int c = Long.compare(main, other.main);
        return c != 0 ? c : Long.compare(sub, other.sub);
    }

    /** The backend key of a put at this revision; a new array. */
    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES_LEN).putLong(main).put(SEPARATOR).putLong(sub).array();
    }

    /** The backend key of a tombstone at this revision; a new array. */
    public byte[] toTombstoneBytes() {
        return ByteBuffer.allocate(MARKED_BYTES_LEN)
                .putLong(main).put(SEPARATOR).putLong(sub).put(TOMBSTONE_MARK).array();
    }

    /**
     * The revision a backend key encodes, ignoring a marker byte.
     *
     * @throws IllegalArgumentException if {@code bytes} is not an encoded revision
     */
    public static Revision fromBytes(byte[] bytes) {
        if ((bytes.length != BYTES_LEN && bytes.length != MARKED_BYTES_LEN) || bytes[8] != SEPARATOR) {
            throw new IllegalArgumentException("not an encoded revision: " + bytes.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Revision(b.getLong(0), b.getLong(9));
    }

    /** True if the backend key marks a tombstone. */
    public static boolean isTombstone(byte[] bytes) {
        return bytes.length == MARKED_BYTES_LEN && bytes[BYTES_LEN] == TOMBSTONE_MARK;
    }

    /**
     * The first 8 bytes of the encoding of {@code {main, 0}}: as a scan bound it sorts before every
     * encoded revision with that main revision and after every one with a smaller main revision.
     */
    public static byte[] mainPrefix(long main) {
        return ByteBuffer.allocate(Long.BYTES).putLong(main).array();
    }

    @Override
    public String toString() {
        return main + "." + sub;
    }
}
