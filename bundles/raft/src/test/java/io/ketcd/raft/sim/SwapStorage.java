package io.ketcd.raft.sim;

import io.ketcd.api.raft.InitialState;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;

import java.util.List;

/**
 * A running node's storage as the node that replaces it reads it: the same log and HardState, with the
 * configuration a swap starts from rather than the snapshot's. The simulation's counterpart of the
 * server's ConfiguredStorage, which this test bundle cannot see: a node built at startup learns the
 * changes after the snapshot when they are applied again, one that replaces a running node (whose
 * changes are all applied, and will not be handed out again) must start with them.
 */
final class SwapStorage implements RaftStorage {
    private final RaftStorage log;
    private final ConfState conf;

    SwapStorage(RaftStorage log, ConfState conf) {
        this.log = log;
        this.conf = conf;
    }

    @Override
    public InitialState initialState() {
        // read when the node is built, after the old node's last Ready was persisted: the current HardState
        return new InitialState(log.initialState().hardState(), conf);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxSize) {
        return log.entries(lo, hi, maxSize);
    }

    @Override
    public long term(long index) {
        return log.term(index);
    }

    @Override
    public long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public Snapshot snapshot() {
        return log.snapshot();
    }
}
