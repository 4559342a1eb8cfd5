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
 * <h3>Backend dump</h3>
 *
 * {@link io.ketcd.storage.BackendSnapshot#writeTo} streams a point-in-time copy of the whole
 * backend to another member (etcd's merged snapshot, the db sent after the MsgSnap), and
 * {@link io.ketcd.storage.MvStoreBackend#restore} rebuilds a backend file from it. Integers are
 * big-endian; a CRC is CRC32C (Castagnoli). The dump is the whole stream:
 * <ul>
 *   <li><b>Header</b> (12 bytes): the magic {@code "ketcddb"} and a NUL byte, then the format
 *       version, 4 bytes, now 1.
 *   <li><b>Chunks.</b> Then any number of data chunks and one trailer chunk, each: payload length
 *       {@code n} (4 bytes), kind (1 byte: {@code 'D'} data, {@code 'T'} trailer), {@code n}
 *       payload bytes, and the CRC of the length, kind and payload (4 bytes). A data chunk holds
 *       1 to 65,536 payload bytes, so a reader never buffers more than that per chunk.
 *   <li><b>Records.</b> The data chunks' payloads, concatenated, are a sequence of records that
 *       may span chunk boundaries: a bucket record ({@code 0x01}, name length (4 bytes, at most
 *       4,096), UTF-8 name) starts a bucket; a key/value record ({@code 0x02}, key length (4
 *       bytes), key, value length (4 bytes), value) belongs to the bucket before it. Every bucket
 *       of the backend has a record, empty ones and {@code meta} included; buckets come in
 *       {@code String} order of their names, keys within a bucket in unsigned byte order, each
 *       exactly once, so a given backend state has exactly one dump.
 *   <li><b>Trailer</b> payload (20 bytes): the number of records (8 bytes), the consistent index
 *       (8 bytes, equal to {@code meta}/{@code consistent_index}, or 0 if absent), and the CRC of
 *       every dump byte before the trailer chunk (4 bytes). Nothing may follow the trailer.
 * </ul>
 *
 * <p>So damage anywhere is caught before anything is trusted: a cut at any byte leaves a chunk,
 * a record or the trailer incomplete, and a changed byte fails the header check, a chunk's
 * length or kind bounds, or its CRC.
 * The reader also rejects records out of order, a record cut off by the trailer, a record count
 * or CRC in the trailer that does not match, and bytes after the trailer, each as a
 * {@link io.ketcd.storage.BackendDumpCorruptException} naming the byte offset.
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
@Version("0.3.0")
package io.ketcd.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
