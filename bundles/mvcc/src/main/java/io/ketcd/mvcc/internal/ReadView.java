package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdException;

/** A consistent view of the store that requests read from (etcd's {@code ReadView}/{@code TxnRead}). */
public interface ReadView {

    /** The revision the view reads at by default (for a write: the revision before it). */
    long rev();

    /** The compacted revision: reads below it fail (etcd's {@code FirstRev}). */
    long firstRev();

    /**
     * The keys in [{@code key}, {@code end}) (see {@link Bytes#indexEnd}) at revision
     * {@code atRev} ({@code <= 0}: the view's current revision).
     *
     * @param limit at most this many key-values ({@code <= 0}: no limit)
     * @param countOnly read no key-values, only count them
     * @throws EtcdException {@code FUTURE_REV} if {@code atRev} is after the view,
     *     {@code COMPACTED} if it is below the compacted revision
     */
    RangeResult range(ByteString key, ByteString end, long atRev, long limit, boolean countOnly);
}
