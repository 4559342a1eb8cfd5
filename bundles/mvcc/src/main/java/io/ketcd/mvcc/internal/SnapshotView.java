package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;

/**
 * A read view fixed at the revisions captured when it was made (etcd's {@code storeTxnRead}):
 * changes made after that are invisible to it, so it never sees part of a write.
 */
public final class SnapshotView implements ReadView {

    private final KeySpace space;
    private final long rev;
    private final long compactRev;

    public SnapshotView(KeySpace space, long rev, long compactRev) {
        this.space = space;
        this.rev = rev;
        this.compactRev = compactRev;
    }

    @Override
    public long rev() {
        return rev;
    }

    @Override
    public long firstRev() {
        return compactRev;
    }

    @Override
    public RangeResult range(ByteString key, ByteString end, long atRev, long limit, boolean countOnly) {
        return space.rangeKeys(key, end, rev, compactRev, atRev, limit, countOnly);
    }
}
