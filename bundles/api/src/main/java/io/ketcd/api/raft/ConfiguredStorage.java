package io.ketcd.api.raft;

import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;

import java.util.List;
import java.util.function.Supplier;

/**
 * A log as a node built in the middle of a run reads it: the entries, snapshot and hard state are
 * the log's, but the configuration is the one applied so far, not the snapshot's. A node created
 * at startup learns the changes after the snapshot when the apply loop applies them again; one
 * that replaces a running node (the server's raft-core swap) must start with all of them, as
 * they will not be handed out again. Here rather than in the server so that the raft bundle's
 * simulation swaps nodes over this very class.
 */
public final class ConfiguredStorage implements RaftStorage {
    private final RaftStorage log;
    private final Supplier<HardState> hardState;
    private final ConfState applied;

    /**
     * @param log the entries and snapshot
     * @param hardState the hard state as of when the node is built (read by {@link #initialState})
     * @param applied the configuration applied so far
     */
    public ConfiguredStorage(RaftStorage log, Supplier<HardState> hardState, ConfState applied) {
        this.log = log;
        this.hardState = hardState;
        this.applied = applied;
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState.get(), applied);
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
