package io.ketcd.storage.internal;

import io.ketcd.storage.Bucket;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * A {@link Bucket} over one MVMap. Reads see the map's current root, which includes writes not
 * yet committed to disk; the map itself is safe for concurrent readers and one writer.
 *
 * <p>The map can be replaced by the same bucket in a rewritten store ({@link #rebind}, when the
 * backend defragments). Every access enters the map's {@link StoreGeneration} first, so a read
 * that began on the old map finishes there before the old store closes.
 */
public final class MvStoreBucket implements Bucket {

    private volatile Binding binding;
    /** Told before every mutation, so the backend can tell whether a failed write changed data. */
    private final Runnable beforeMutation;

    public MvStoreBucket(MVMap<byte[], byte[]> map, StoreGeneration generation, Runnable beforeMutation) {
        this.binding = new Binding(map, generation);
        this.beforeMutation = beforeMutation;
    }

    /** A map and the store generation it belongs to. */
    public record Binding(MVMap<byte[], byte[]> map, StoreGeneration generation) {
    }

    /**
     * The current map, entered: the caller must {@code generation().exit()} when done with it.
     * For the backend's snapshots; mutate only through the bucket.
     */
    public Binding enter() {
        while (true) {
            Binding current = binding;
            if (current.generation().enter()) {
                return current;
            }
            // retired: the backend rebinds before it retires, so the next read finds the new map
        }
    }

    /** Points the bucket at {@code map} in {@code generation}; call before retiring the old one. */
    public void rebind(MVMap<byte[], byte[]> map, StoreGeneration generation) {
        binding = new Binding(map, generation);
    }

    private <T> T withMap(Function<MVMap<byte[], byte[]>, T> work) {
        Binding entered = enter();
        try {
            return work.apply(entered.map());
        } finally {
            entered.generation().exit();
        }
    }

    @Override
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        // the hottest call: spelled out, with no lambda to capture the key
        Binding entered = enter();
        try {
            return entered.map().get(key);
        } finally {
            entered.generation().exit();
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        beforeMutation.run();
        withMap(map -> map.put(key, value));
    }

    @Override
    public void delete(byte[] key) {
        Objects.requireNonNull(key, "key");
        beforeMutation.run();
        withMap(map -> map.remove(key));
    }

    /** {@inheritDoc} A null {@code from} starts at the first key. */
    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
        if (from != null && to != null && Arrays.compareUnsigned(from, to) >= 0) {
            return;
        }
        withMap(map -> {
            // MVStore's cursor bound is inclusive; ours is exclusive, so the end is checked here
            Cursor<byte[], byte[]> cursor = map.cursor(from);
            while (cursor.hasNext()) {
                byte[] key = cursor.next();
                if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                    return null;
                }
                if (!visitor.visit(key, cursor.getValue())) {
                    return null;
                }
            }
            return null;
        });
    }

    @Override
    public long size() {
        return withMap(MVMap::sizeAsLong);
    }
}
