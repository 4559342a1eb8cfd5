package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.storage.Bucket;
import java.util.ArrayList;
import java.util.List;

/**
 * The key space as stored: the {@link TreeIndex} and the backend bucket of key-values by
 * {@link Revision}. Reads here are safe from any thread, provided the revisions read are not
 * being compacted away meanwhile (the store's compaction lock sees to that).
 */
public final class KeySpace {

    /** The backend bucket of key-values, keyed by encoded {@link Revision} (etcd's "key"). */
    public static final String KEY_BUCKET = "key";

    private final TreeIndex index;
    private final Bucket keys;

    public KeySpace(TreeIndex index, Bucket keys) {
        this.index = index;
        this.keys = keys;
    }

    public TreeIndex index() {
        return index;
    }

    public Bucket keys() {
        return keys;
    }

    /**
     * etcd's {@code rangeKeys}: the range at {@code atRev} ({@code <= 0}: {@code curRev}) as seen
     * by a view at {@code curRev} over a store compacted at {@code compactRev}.
     */
    RangeResult rangeKeys(ByteString key, ByteString end, long curRev, long compactRev, long atRev,
            long limit, boolean countOnly) {
        long rev = atRev;
        if (rev > curRev) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (rev <= 0) {
            rev = curRev;
        }
        if (rev < compactRev) {
            throw EtcdError.COMPACTED.exception();
        }
        int maxItems = countOnly ? 0 : limit <= 0 || limit > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) limit;
        TreeIndex.Page page = index.range(key, end, rev, maxItems);
        List<KeyValue> kvs = new ArrayList<>(page.items().size());
        for (TreeIndex.KeyRev kr : page.items()) {
            kvs.add(read(kr.rev()));
        }
        return new RangeResult(kvs, page.count(), curRev);
    }

    /**
     * The key-value stored at {@code rev}.
     *
     * @throws IllegalStateException if the index names a revision the backend does not hold (a
     *     corrupt store; etcd exits)
     */
    KeyValue read(Revision rev) {
        byte[] value = keys.get(rev.toBytes());
        if (value == null) {
            throw new IllegalStateException("revision " + rev + " is in the index but not in the backend");
        }
        return parse(value, rev);
    }

    /** Parses a stored key-value; a corrupt one is an {@link IllegalStateException}. */
    public static KeyValue parse(byte[] value, Revision rev) {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt key-value at revision " + rev, e);
        }
    }
}
