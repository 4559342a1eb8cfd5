package io.ketcd.raft.sim;

import io.ketcd.api.raft.RaftStorage;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.api.raft.MemoryStorage;

import com.google.protobuf.ByteString;

import java.util.List;

/** The core's {@link MemoryStorage} as a simulation storage, so the simulation exercises it too. */
final class MemoryStorageAdapter implements SimStorage {
    private final MemoryStorage storage = new MemoryStorage();

    @Override
    public RaftStorage raft() {
        return storage;
    }

    @Override
    public void setHardState(HardState hs) {
        storage.setHardState(hs);
    }

    @Override
    public void applySnapshot(Snapshot snapshot) {
        storage.applySnapshot(snapshot);
    }

    @Override
    public void append(List<Entry> entries) {
        storage.append(entries);
    }

    @Override
    public void createSnapshot(long index, ConfState confState, ByteString data) {
        storage.createSnapshot(index, confState, data);
    }

    @Override
    public void compact(long index) {
        storage.compact(index);
    }
}
