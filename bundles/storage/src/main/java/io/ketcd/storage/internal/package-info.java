/**
 * The storage bundle's encodings and adapters, kept out of the exported {@code io.ketcd.storage}
 * so that its API stays the write-ahead log, the snapshotter and the backend, not how they lay
 * out bytes. The formats themselves are specified in {@code io.ketcd.storage}'s package-info;
 * the classes here implement them:
 * <ul>
 *   <li>{@link io.ketcd.storage.internal.WalFrames} and {@link
 *       io.ketcd.storage.internal.SegmentReader}: the WAL's record framing and CRC chain, written
 *       by the log and read back segment by segment, telling a torn tail (a crash during an
 *       append, repaired by truncation) from corruption (an error).</li>
 *   <li>{@link io.ketcd.storage.internal.BackendDump}: the streamed, chunked and checksummed copy
 *       of a whole backend that a leader sends with a snapshot, and its reader.</li>
 *   <li>{@link io.ketcd.storage.internal.MvStoreBucket} and {@link
 *       io.ketcd.storage.internal.UnsignedBytesType}: a bucket as an H2 MVStore map whose
 *       {@code byte[]} keys sort as unsigned bytes, bbolt's order, which etcd's range requests
 *       rely on.</li>
 * </ul>
 * The classes are public only because the exported package uses them; bnd keeps this package
 * private to the bundle.
 */
package io.ketcd.storage.internal;
