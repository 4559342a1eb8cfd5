package io.ketcd.raft.sim;

import io.ketcd.api.raft.RaftStorage;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;

import com.google.protobuf.ByteString;

import java.util.List;

/**
 * The storage a simulated node hands to its raft node, with the writes the driver makes to it (etcd
 * MemoryStorage's semantics: {@code append} overwrites a conflicting tail and skips compacted entries,
 * {@code applySnapshot} replaces the whole log, {@code compact(i)} keeps entries after i).
 *
 * <p>Two implementations: {@link ModelStorage}, the simulation's own, and an adapter over ketcd's
 * {@link io.ketcd.api.raft.MemoryStorage}, so that the simulation also exercises that class.
 */
interface SimStorage {
    /** The view raft reads. */
    RaftStorage raft();

    void setHardState(HardState hs);

    void applySnapshot(Snapshot snapshot);

    void append(List<Entry> entries);

    void createSnapshot(long index, ConfState confState, ByteString data);

    void compact(long index);
}
