package io.ketcd.api;

import com.google.protobuf.ByteString;

/** etcd's key ranges as clients spell them (clientv3's {@code WithPrefix}, {@code WithFromKey}). */
public final class KeyRanges {
    /** The range end that means "to the last key" ({@code "\0"}), and, as a key, "from the first". */
    public static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

    private KeyRanges() {
    }

    /** The end of the range of keys that start with {@code prefix} (clientv3's {@code getPrefix}). */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ALL;
    }
}
