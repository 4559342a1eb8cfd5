/**
 * Durable storage of a ketcd member, used by mvcc and the server.
 *
 * <h2>Backend</h2>
 *
 * {@link io.ketcd.storage.Backend} is the key-value store under mvcc (etcd's bbolt backend);
 * {@link io.ketcd.storage.MvStoreBackend} implements it on one H2 MVStore file. Each bucket is an
 * MVMap named after the bucket, with {@code byte[]} keys ordered unsigned-lexicographically and
 * {@code byte[]} values. Writes reach the file in batches (every 100 ms or 10,000 write sections
 * by default, see {@link io.ketcd.storage.BackendOptions}); each batch is one atomic MVStore
 * version followed by an fsync. Bucket {@code meta} key {@code consistent_index} holds the index
 * of the last applied raft entry as 8 bytes big-endian, committed in the same batch as that
 * entry's effects.
 *
 * <h2>Write-ahead log</h2>
 *
 * {@link io.ketcd.storage.Wal} follows etcd's {@code wal} package; the byte format is ketcd's own.
 * <ul>
 *   <li><b>Files.</b> A WAL is a directory of segment files named {@code %016x-%016x.wal}
 *       (sequence number, index of the first entry after it), as etcd names them. This version
 *       writes one segment, {@code 0000000000000000-0000000000000000.wal}, created under a
 *       {@code .tmp} name, fsynced and renamed.
 *   <li><b>Frames.</b> A segment is a sequence of frames: an 8-byte little-endian word whose low
 *       32 bits are the length {@code n} of a serialized {@code walpb.Record} and whose high 32
 *       bits are the CRC32C of those 4 length bytes (so a damaged length is recognised as such
 *       and never mistaken for a cut-off record); then the {@code n} record bytes; then zero
 *       bytes up to the next multiple of 8 (as etcd pads).
 *   <li><b>Records.</b> {@code type} numbers as in etcd: 1 METADATA (data: the opaque bytes given
 *       to {@code create}), 2 ENTRY (a {@code raftpb.Entry}), 3 STATE (a {@code raftpb.HardState}),
 *       4 CRC (no data), 5 SNAPSHOT ({@code walpb.WalSnapshot}; reserved, skipped when read).
 *       A segment starts with a CRC record, then a METADATA record.
 *   <li><b>CRC chain.</b> Each record's {@code crc} is CRC32C over the previous record's crc
 *       (4 bytes little-endian), its type (8 bytes little-endian) and its data: a rolling CRC
 *       like etcd's, but restartable from a stored value. A CRC record carries the chain value
 *       at the segment start (0 for the first segment) and does not advance it.
 *   <li><b>Log semantics.</b> Entries are read in file order; an entry whose index is at or below
 *       the previous entry's replaces the log from that index on (raft's log truncation).
 * </ul>
 *
 * <p>Recovery on open: a torn tail, meaning a frame cut short at any byte, zero bytes from a
 * frame start to the end of the file, or a damaged last record followed only by zero bytes, is
 * cut off with one WARN line. Any other damaged record (one followed by more data) is corruption:
 * {@link io.ketcd.storage.WalCorruptException} names the file and the frame's offset and startup
 * stops. Each {@code save} appends all its frames, then fsyncs once.
 */
@Export
@Version("0.1.0")
package io.ketcd.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
