package io.ketcd.storage.internal;

import io.ketcd.storage.Bucket;
import java.util.Arrays;
import java.util.Objects;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * A {@link Bucket} over one MVMap. Reads see the map's current root, which includes writes not
 * yet committed to disk; the map itself is safe for concurrent readers and one writer.
 */
public final class MvStoreBucket implements Bucket {

    private final MVMap<byte[], byte[]> map;
    /** Told before every mutation, so the backend can tell whether a failed write changed data. */
    private final Runnable beforeMutation;

    public MvStoreBucket(MVMap<byte[], byte[]> map, Runnable beforeMutation) {
        this.map = map;
        this.beforeMutation = beforeMutation;
    }

    /** The map under this bucket, for the backend's snapshots; mutate only through the bucket. */
    public MVMap<byte[], byte[]> map() {
        return map;
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(Objects.requireNonNull(key, "key"));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        beforeMutation.run();
        map.put(key, value);
    }

    @Override
    public void delete(byte[] key) {
        Objects.requireNonNull(key, "key");
        beforeMutation.run();
        map.remove(key);
    }

    /** {@inheritDoc} A null {@code from} starts at the first key. */
    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
        if (from != null && to != null && Arrays.compareUnsigned(from, to) >= 0) {
            return;
        }
        // MVStore's cursor bound is inclusive; ours is exclusive, so the end is checked here
        Cursor<byte[], byte[]> cursor = map.cursor(from);
        while (cursor.hasNext()) {
            byte[] key = cursor.next();
            if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                return;
            }
            if (!visitor.visit(key, cursor.getValue())) {
                return;
            }
        }
    }

    @Override
    public long size() {
        return map.sizeAsLong();
    }
}
