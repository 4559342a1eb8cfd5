package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory index of the key space (etcd's {@code treeIndex}): every key that has revisions
 * in the backend, in key order, with its {@link KeyIndex}.
 *
 * <p>Ranges follow etcd's convention for {@code end} (see {@link Bytes#indexEnd}): {@code null}
 * is the single key {@code key}, empty is every key from {@code key} on, anything else is the
 * exclusive end of [{@code key}, {@code end}).
 *
 * <p>Thread-safety: all methods are safe to call concurrently; reads share a lock, changes take
 * it exclusively. Lists and sets returned are new and owned by the caller.
 */
public final class TreeIndex {

    /** Keys compacted per exclusive lock hold, so readers are not stalled by a large index. */
    private static final int COMPACT_CHUNK = 1_000;

    /** A key and the revision of it a read sees. */
    public record KeyRev(ByteString key, Revision rev) {
    }

    /** A page of a range: the first matches and the number of all matches. */
    public record Page(List<KeyRev> items, int count) {
    }

    /** Guards {@link #tree} and every {@link KeyIndex} in it. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<ByteString, KeyIndex> tree = new TreeMap<>(Bytes.ORDER);

    /** Records a put of {@code key} at {@code rev}, which must come after its last change. */
    public void put(ByteString key, Revision rev) {
        lock.writeLock().lock();
        try {
            tree.computeIfAbsent(key, KeyIndex::new).put(rev.main(), rev.sub());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Records a deletion of {@code key} at {@code rev}.
     *
     * @return false, changing nothing, if the key does not exist now
     */
    public boolean tombstone(ByteString key, Revision rev) {
        lock.writeLock().lock();
        try {
            KeyIndex ki = tree.get(key);
            return ki != null && ki.tombstone(rev.main(), rev.sub());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** What {@code key} was at main revision {@code atRev}, or null if it did not exist. */
    public KeyIndex.Found get(ByteString key, long atRev) {
        lock.readLock().lock();
        try {
            KeyIndex ki = tree.get(key);
            return ki == null ? null : ki.get(atRev);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The keys in the range that exist at main revision {@code atRev}, in key order, with the
     * revision of each visible then: the first {@code maxItems} of them, and the count of all.
     */
    public Page range(ByteString key, ByteString end, long atRev, int maxItems) {
        List<KeyRev> items = new ArrayList<>();
        int count = 0;
        lock.readLock().lock();
        try {
            for (KeyIndex ki : keys(key, end)) {
                KeyIndex.Found f = ki.get(atRev);
                if (f == null) {
                    continue;
                }
                count++;
                if (items.size() < maxItems) {
                    items.add(new KeyRev(ki.key(), f.modified()));
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        return new Page(items, count);
    }

    /**
     * The revisions of the keys in the range at or after main revision {@code rev} (see
     * {@link KeyIndex#since}), in revision order.
     */
    public List<Revision> rangeSince(ByteString key, ByteString end, long rev) {
        List<Revision> revs = new ArrayList<>();
        lock.readLock().lock();
        try {
            for (KeyIndex ki : keys(key, end)) {
                revs.addAll(ki.since(rev));
            }
        } finally {
            lock.readLock().unlock();
        }
        revs.sort(null);
        return revs;
    }

    /**
     * Compacts every key index at main revision {@code rev} (see {@link KeyIndex#compact}) and
     * drops the keys left empty.
     *
     * @return the revisions at or below {@code rev} still needed; the backend may delete the rest
     */
    public Set<Revision> compact(long rev) {
        List<ByteString> keys;
        lock.readLock().lock();
        try {
            keys = new ArrayList<>(tree.keySet());
        } finally {
            lock.readLock().unlock();
        }
        Set<Revision> available = new HashSet<>();
        for (int from = 0; from < keys.size(); from += COMPACT_CHUNK) {
            lock.writeLock().lock();
            try {
                for (ByteString k : keys.subList(from, Math.min(keys.size(), from + COMPACT_CHUNK))) {
                    KeyIndex ki = tree.get(k);
                    if (ki == null) {
                        continue;
                    }
                    ki.compact(rev, available);
                    if (ki.isEmpty()) {
                        tree.remove(k);
                    }
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
        return available;
    }

    /** The revisions {@link #compact compact(rev)} would keep, changing nothing. */
    public Set<Revision> keep(long rev) {
        Set<Revision> available = new HashSet<>();
        lock.readLock().lock();
        try {
            for (KeyIndex ki : tree.values()) {
                ki.keep(rev, available);
            }
        } finally {
            lock.readLock().unlock();
        }
        return available;
    }

    /**
     * The key index of {@code key}, or null; for rebuilding the index on restore, while no other
     * thread uses it: the returned object is not guarded afterwards.
     */
    public KeyIndex keyIndex(ByteString key) {
        lock.readLock().lock();
        try {
            return tree.get(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Adds or replaces the key index of {@code ki.key()}; for rebuilding the index on restore. */
    public void insert(KeyIndex ki) {
        lock.writeLock().lock();
        try {
            tree.put(ki.key(), ki);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Number of keys with revisions in the index (live or deleted but not yet compacted). */
    public int size() {
        lock.readLock().lock();
        try {
            return tree.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The key indexes of the range; caller holds the lock. */
    private Iterable<KeyIndex> keys(ByteString key, ByteString end) {
        if (end == null) {
            KeyIndex ki = tree.get(key);
            return ki == null ? List.of() : List.of(ki);
        }
        NavigableMap<ByteString, KeyIndex> tail = tree.tailMap(key, true);
        if (end.isEmpty()) {
            return tail.values();
        }
        if (Bytes.ORDER.compare(end, key) <= 0) {
            return List.of();
        }
        return tail.headMap(end, false).values();
    }

    /** Debug view: every key index, in key order. */
    @Override
    public String toString() {
        lock.readLock().lock();
        try {
            StringBuilder s = new StringBuilder();
            for (Map.Entry<ByteString, KeyIndex> e : tree.entrySet()) {
                s.append(e.getValue()).append('\n');
            }
            return s.toString();
        } finally {
            lock.readLock().unlock();
        }
    }
}
