package io.ketcd.api.raft;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The stable raft log as raft reads it: a snapshot followed by the entries {@code
 * [firstIndex(), lastIndex()]}. Read-only from raft's side; the owner appends while handling a
 * {@link Ready}, on the node's thread, so implementations need no locking for raft's sake.
 *
 * <p>The term of the snapshot's last index ({@code firstIndex() - 1}) stays available through
 * {@link #term(long)} even though that entry itself is compacted.
 */
@ConsumerType
public interface LogStorage {

    /**
     * Returns the entries in {@code [lo, hi)}, stopping before the total serialized size would
     * exceed {@code maxSize}, but always at least one entry if {@code lo < hi}.
     *
     * @return an immutable list, in index order
     * @throws CompactedException if {@code lo < firstIndex()}
     * @throws UnavailableException if {@code hi > lastIndex() + 1}
     */
    List<Entry> entries(long lo, long hi, long maxSize);

    /**
     * The term of the entry at {@code index}, for {@code index} in {@code [firstIndex() - 1,
     * lastIndex()]}.
     *
     * @throws CompactedException if {@code index < firstIndex() - 1}
     * @throws UnavailableException if {@code index > lastIndex()}
     */
    long term(long index);

    /** The index of the last entry; {@code firstIndex() - 1} if the log is empty. */
    long lastIndex();

    /** The index of the first available entry (the snapshot's index + 1). */
    long firstIndex();

    /**
     * The most recent snapshot, used when a follower needs entries that are compacted.
     *
     * @throws SnapshotTemporarilyUnavailableException if the snapshot is being produced; raft
     *     retries later
     */
    Snapshot snapshot();

    /**
     * The size rule of {@link #entries}, for implementations and for raft's own unstable tail:
     * the longest prefix of {@code ents} whose total serialized size is within {@code maxSize}
     * bytes, but at least the first entry (a single entry larger than the limit must still
     * travel, or the log would stall).
     *
     * @return {@code ents} itself when it fits whole, else a new mutable list of the prefix
     */
    static List<Entry> limitSize(List<Entry> ents, long maxSize) {
        if (ents.isEmpty()) {
            return ents;
        }
        long size = ents.get(0).getSerializedSize();
        int n = 1;
        while (n < ents.size()) {
            size += ents.get(n).getSerializedSize();
            if (size > maxSize) {
                break;
            }
            n++;
        }
        return n == ents.size() ? ents : new ArrayList<>(ents.subList(0, n));
    }
}
