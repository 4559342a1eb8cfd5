package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of keys made of half-open ranges [begin, end), kept as disjoint merged ranges; answers
 * whether a key is in any of them in logarithmic time. Stands for etcd's interval tree of the
 * deletes of a txn, of which only point queries are made (a put's key {@code k} is the point
 * [k, k+"\0"), which meets [b, e) exactly when b &lt;= k &lt; e). A range with
 * {@code end <= begin} holds no key; that includes a delete's range_end {@code "\0"}, whose
 * interval etcd's check treats the same way.
 */
public final class KeyRangeSet {

    /** begin -> end of disjoint, non-touching ranges. */
    private final TreeMap<ByteString, ByteString> ranges = new TreeMap<>(Bytes.ORDER);

    /** Adds [begin, end); nothing if {@code end <= begin}. */
    public void add(ByteString begin, ByteString end) {
        if (Bytes.ORDER.compare(end, begin) <= 0) {
            return;
        }
        Map.Entry<ByteString, ByteString> floor = ranges.floorEntry(begin);
        if (floor != null && Bytes.ORDER.compare(floor.getValue(), begin) >= 0) {
            begin = floor.getKey();
            end = max(end, floor.getValue());
        }
        // absorb every range starting inside [begin, end]
        Map.Entry<ByteString, ByteString> next = ranges.ceilingEntry(begin);
        while (next != null && Bytes.ORDER.compare(next.getKey(), end) <= 0) {
            end = max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.higherEntry(next.getKey());
        }
        ranges.put(begin, end);
    }

    /** Adds every range of {@code other}. */
    public void addAll(KeyRangeSet other) {
        other.ranges.forEach(this::add);
    }

    /** True if {@code key} is in one of the ranges. */
    public boolean contains(ByteString key) {
        Map.Entry<ByteString, ByteString> floor = ranges.floorEntry(key);
        return floor != null && Bytes.ORDER.compare(key, floor.getValue()) < 0;
    }

    private static ByteString max(ByteString a, ByteString b) {
        return Bytes.ORDER.compare(a, b) >= 0 ? a : b;
    }
}
