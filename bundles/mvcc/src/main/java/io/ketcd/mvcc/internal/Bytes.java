package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Comparator;

/** Key order and etcd's range-end conventions. */
public final class Bytes {

    /**
     * etcd's key order: unsigned lexicographic, as Go's {@code bytes.Compare}. Every index lookup
     * runs it, so it uses the vectorized {@link ByteBuffer#mismatch} rather than protobuf's
     * iterator-based comparator, which profiling showed as the apply loop's hottest frame.
     */
    public static final Comparator<ByteString> ORDER = Bytes::compare;

    private static final ByteString ZERO_BYTE = ByteString.copyFrom(new byte[] {0});

    private Bytes() {
    }

    static int compare(ByteString a, ByteString b) {
        ByteBuffer x = a.asReadOnlyByteBuffer();
        ByteBuffer y = b.asReadOnlyByteBuffer();
        int i = x.mismatch(y);
        if (i < 0) {
            return 0;
        }
        if (i == x.remaining() || i == y.remaining()) {
            return Integer.compare(x.remaining(), y.remaining()); // one is a prefix of the other
        }
        return Integer.compare(Byte.toUnsignedInt(x.get(x.position() + i)), Byte.toUnsignedInt(y.get(y.position() + i)));
    }

    /**
     * The end of a request's range as the index understands it (etcd's {@code mkGteRange} plus
     * the nil/empty distinction of Go): {@code null} for a single key (range_end not set), the
     * empty string for "every key from {@code key} on" (range_end {@code "\0"}), otherwise
     * {@code rangeEnd}, exclusive.
     */
    public static ByteString indexEnd(ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return null;
        }
        if (rangeEnd.equals(ZERO_BYTE)) {
            return ByteString.EMPTY;
        }
        return rangeEnd;
    }

    /** True if {@code k} is in [{@code key}, {@code end}) in the sense of {@link #indexEnd}. */
    public static boolean inRange(ByteString k, ByteString key, ByteString end) {
        if (end == null) {
            return k.equals(key);
        }
        return ORDER.compare(k, key) >= 0 && (end.isEmpty() || ORDER.compare(k, end) < 0);
    }

    /** {@code key} followed by a zero byte: the smallest key after {@code key}. */
    public static ByteString successor(ByteString key) {
        return key.concat(ZERO_BYTE);
    }
}
