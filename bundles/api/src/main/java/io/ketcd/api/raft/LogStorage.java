package io.ketcd.api.raft;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;
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
}
