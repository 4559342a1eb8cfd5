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
 *   <li><b>Segments.</b> A WAL is a directory of segment files named {@code %016x-%016x.wal}: the
 *       sequence number (0, 1, 2, ... without gaps) and the index of the first entry after the
 *       segment's start, i.e. the last index + 1 when it was cut (etcd's names). The first is
 *       {@code 0000000000000000-0000000000000000.wal}. A segment is cut once a save leaves it at
 *       or over the segment size (64 MiB by default); the records of one call never span two
 *       segments. Every segment is created under {@code <name>.tmp}, fsynced, renamed and the
 *       directory fsynced; leftover {@code .tmp} files are deleted on open.
 *   <li><b>Frames.</b> A segment is a sequence of frames: an 8-byte little-endian word whose low
 *       32 bits are the length {@code n} of a serialized {@code walpb.Record} and whose high 32
 *       bits are the CRC32C of those 4 length bytes (so a damaged length is recognised as such
 *       and never mistaken for a cut-off record); then the {@code n} record bytes; then zero
 *       bytes up to the next multiple of 8 (as etcd pads).
 *   <li><b>Records.</b> {@code type} numbers as in etcd: 1 METADATA (data: the opaque bytes given
 *       to {@code create}), 2 ENTRY (a {@code raftpb.Entry}), 3 STATE (a {@code raftpb.HardState}),
 *       4 CRC (no data), 5 SNAPSHOT (a {@code walpb.WalSnapshot} marker: a snapshot at that index
 *       and term was saved). A segment starts with a CRC record, then a METADATA record (the same
 *       in every segment); a cut segment then repeats the last STATE, so releasing older segments
 *       never loses the hard state.
 *   <li><b>CRC chain.</b> Each record's {@code crc} is CRC32C over the previous record's crc
 *       (4 bytes little-endian), its type (8 bytes little-endian) and its data: a rolling CRC
 *       like etcd's, but restartable from a stored value. A CRC record carries the chain value
 *       at the segment start (0 for the first segment; the previous segment's last value for the
 *       others, which open checks) and does not advance it.
 *   <li><b>Log semantics.</b> Entries are read in file order; an entry whose index is at or below
 *       the last index replaces the log from that index on (raft's log truncation); an entry
 *       past the last index + 1 is corruption. A SNAPSHOT marker past the last index moves the
 *       last index to it and drops the entries before it (a snapshot received from the leader).
 *       Reading from snapshot {@code s} starts at the last segment whose first index is at most
 *       {@code s.index} and requires a marker with {@code s}'s index and term (the empty snapshot,
 *       index 0, matches while segment 0 exists).
 *   <li><b>Release.</b> {@code releaseTo(i)} deletes, oldest first, the segments before the last
 *       one whose first index is at most {@code i}.
 * </ul>
 *
 * <p>Recovery on open: every segment is read. Sequence numbers must be contiguous and the CRC
 * chain must run across segments. In the <em>last</em> segment only, a torn tail, meaning a
 * frame cut short at any byte, zero bytes from a frame start to the end of the file, or a damaged
 * last record followed only by zero bytes, is cut off with one WARN line; a last segment (other
 * than the first) without a complete CRC and METADATA header is deleted, as only an interrupted
 * cut leaves one and a cut holds no saved record. The complete records before a tear are kept:
 * a torn {@code save} leaves a prefix of its entries and never its state, which is written last.
 * Anything else, a damaged record followed by more data or any damage in an earlier segment, is
 * corruption: {@link io.ketcd.storage.WalCorruptException} names the file and the frame's offset
 * and startup stops. Each {@code save} appends all its frames, then fsyncs once.
 *
 * <h2>Snapshots</h2>
 *
 * {@link io.ketcd.storage.Snapshotter} follows etcd's {@code snap} package. A snapshot is a file
 * named {@code %016x-%016x.snap} (term, index) holding a 12-byte header, the length of the body
 * (8 bytes little-endian) and the CRC32C of the body (4 bytes little-endian), then the body, a
 * serialized {@code raftpb.Snapshot}. It is written under {@code .tmp}, fsynced, renamed and the
 * directory fsynced. A file that is cut short, fails its CRC, does not parse or holds another
 * snapshot than its name says is renamed to {@code <name>.broken} when met while loading, and the
 * next older one is tried. The WAL marker is saved before the file, and a file is loaded only if
 * the WAL holds its marker at or below the commit index ({@code Wal.validSnapshots()}).
 */
@Export
@Version("0.2.0")
package io.ketcd.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
