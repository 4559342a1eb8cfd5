package io.ketcd.mvcc;

import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A {@link Backend} in memory for tests: buckets are concurrent sorted maps (unsigned byte
 * order), readable from any thread while the writer writes. It survives a {@link KvStore} being
 * dropped and reopened, which is what restart tests need; {@link #writes()} counts write sections.
 */
final class MemoryBackend implements Backend {

    private static final byte[] CONSISTENT_INDEX = "consistent_index".getBytes();

    private final Map<String, MemoryBucket> buckets = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private long writes;
    private long commits;

    @Override
    public Bucket bucket(String name) {
        return buckets.computeIfAbsent(name, n -> new MemoryBucket());
    }

    @Override
    public <T> T write(Supplier<T> work) {
        writeLock.lock();
        try {
            writes++;
            return work.get();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long consistentIndex() {
        byte[] v = bucket("meta").get(CONSISTENT_INDEX);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    @Override
    public void setConsistentIndex(long index) {
        if (!writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("setConsistentIndex outside write()");
        }
        bucket("meta").put(CONSISTENT_INDEX, ByteBuffer.allocate(8).putLong(index).array());
    }

    @Override
    public void commit() {
        writeLock.lock();
        try {
            commits++;
        } finally {
            writeLock.unlock();
        }
    }

    /** Calls of {@link #commit()} so far. */
    long commits() {
        writeLock.lock();
        try {
            return commits;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long sizeBytes() {
        return 0;
    }

    @Override
    public long sizeInUseBytes() {
        return 0;
    }

    @Override
    public void close() {
    }

    /** Write sections run so far. */
    long writes() {
        writeLock.lock();
        try {
            return writes;
        } finally {
            writeLock.unlock();
        }
    }

    /** Number of entries in a bucket. */
    long size(String bucket) {
        return bucket(bucket).size();
    }

    private static final class MemoryBucket implements Bucket {
        private final ConcurrentNavigableMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

        @Override
        public byte[] get(byte[] key) {
            return map.get(key);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            map.put(key.clone(), value.clone());
        }

        @Override
        public void delete(byte[] key) {
            map.remove(key);
        }

        @Override
        public void scan(byte[] from, byte[] to, Visitor visitor) {
            var range = to == null ? map.tailMap(from, true) : map.subMap(from, true, to, false);
            for (var e : range.entrySet()) {
                if (!visitor.visit(e.getKey(), e.getValue())) {
                    return;
                }
            }
        }

        @Override
        public long size() {
            return map.size();
        }
    }
}
