package io.ketcd.storage.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * MVStore key type for {@code byte[]} keys ordered as unsigned bytes, lexicographically (bbolt's
 * order, which etcd's range requests rely on: {@code 0xFF} sorts after {@code 0x01}, and a prefix
 * sorts before its extensions). H2's own {@code ByteArrayDataType} cannot be a key type: it has no
 * ordering.
 *
 * <p>Stored form: a var-int length and the bytes, the same as {@code ByteArrayDataType}, so the
 * on-disk pages of keys and values look alike.
 */
public final class UnsignedBytesType extends BasicDataType<byte[]> {

    public static final UnsignedBytesType INSTANCE = new UnsignedBytesType();

    private UnsignedBytesType() {
    }

    @Override
    public int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    @Override
    public int getMemory(byte[] key) {
        // array header + length; the same estimate H2 uses for its byte[] values
        return 16 + key.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] key) {
        buff.putVarInt(key.length);
        buff.put(key);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
        byte[] key = new byte[DataUtils.readVarInt(buff)];
        buff.get(key);
        return key;
    }

    @Override
    public byte[][] createStorage(int size) {
        return new byte[size][];
    }
}
