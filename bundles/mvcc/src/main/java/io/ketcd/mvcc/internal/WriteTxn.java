package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import io.ketcd.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The changes of one write request (etcd's {@code storeTxnWrite}): every change gets main
 * revision {@code beginRev + 1} and the next sub revision, is written to the backend first and
 * to the index second. Reads through it see its own changes. The caller publishes
 * {@code beginRev + 1} as the store's revision once the request is done, and only if
 * {@link #changed()}.
 *
 * <p>Used by the single writer thread only.
 */
public final class WriteTxn implements ReadView {

    private final KeySpace space;
    private final long beginRev;
    private final long compactRev;
    /** The key-values written, tombstones as a key alone, in sub revision order. */
    private final List<KeyValue> changes = new ArrayList<>(4);
    /** For each entry of {@link #changes}: true if it is a deletion. */
    private final List<Boolean> deletions = new ArrayList<>(4);

    public WriteTxn(KeySpace space, long beginRev, long compactRev) {
        this.space = space;
        this.beginRev = beginRev;
        this.compactRev = compactRev;
    }

    /** The store's revision before this write (etcd's {@code Rev}). */
    @Override
    public long rev() {
        return beginRev;
    }

    @Override
    public long firstRev() {
        return compactRev;
    }

    /** Reads at {@code beginRev}, or at {@code beginRev + 1} once something changed. */
    @Override
    public RangeResult range(ByteString key, ByteString end, long atRev, long limit, boolean countOnly) {
        return space.rangeKeys(key, end, readRev(), compactRev, atRev, limit, countOnly);
    }

    /** Writes {@code key}; returns the revision of the write. */
    public long put(ByteString key, ByteString value, long lease) {
        long rev = beginRev + 1;
        long created = rev;
        long version = 1;
        KeyIndex.Found prev = space.index().get(key, rev);
        if (prev != null) {
            created = prev.created().main();
            version = prev.version() + 1;
        }
        Revision idxRev = new Revision(rev, changes.size());
        KeyValue kv = KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateRevision(created)
                .setModRevision(rev)
                .setVersion(version)
                .setLease(lease)
                .build();
        space.keys().put(idxRev.toBytes(), kv.toByteArray());
        space.index().put(key, idxRev);
        changes.add(kv);
        deletions.add(false);
        return rev;
    }

    /**
     * Deletes the keys of the range that exist; returns how many, and the revision the response
     * reports: {@code beginRev + 1} if this write changed anything so far, else {@code beginRev}.
     */
    public long[] deleteRange(ByteString key, ByteString end) {
        TreeIndex.Page page = space.index().range(key, end, readRev(), Integer.MAX_VALUE);
        for (TreeIndex.KeyRev kr : page.items()) {
            delete(kr.key());
        }
        long n = page.items().size();
        return new long[] {n, changed() ? beginRev + 1 : beginRev};
    }

    private void delete(ByteString key) {
        Revision idxRev = new Revision(beginRev + 1, changes.size());
        KeyValue kv = KeyValue.newBuilder().setKey(key).build();
        space.keys().put(idxRev.toTombstoneBytes(), kv.toByteArray());
        if (!space.index().tombstone(key, idxRev)) {
            throw new IllegalStateException("tombstone of a key that does not exist: " + key.toStringUtf8());
        }
        changes.add(kv);
        deletions.add(true);
    }

    /** True once the write changed something: the store's revision then advances. */
    public boolean changed() {
        return !changes.isEmpty();
    }

    /** The key-values written so far (tombstones: the key alone); unmodifiable. */
    public List<KeyValue> changes() {
        return Collections.unmodifiableList(changes);
    }

    /** True if change {@code i} of {@link #changes()} is a deletion. */
    public boolean isDeletion(int i) {
        return deletions.get(i);
    }

    private long readRev() {
        return changed() ? beginRev + 1 : beginRev;
    }
}
