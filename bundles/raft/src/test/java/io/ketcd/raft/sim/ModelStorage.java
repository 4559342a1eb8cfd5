package io.ketcd.raft.sim;

import io.ketcd.api.raft.CompactedException;
import io.ketcd.api.raft.InitialState;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.api.raft.UnavailableException;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's own in-memory raft storage, written from etcd-io/raft's {@code MemoryStorage}: the log
 * is a dummy entry at the snapshot (or compaction) point followed by the entries after it. It lets the
 * simulation run before, and independently of, ketcd's {@link io.ketcd.api.raft.MemoryStorage}.
 */
final class ModelStorage implements SimStorage, RaftStorage {
    private HardState hardState = HardState.getDefaultInstance();
    private Snapshot snapshot = Snapshot.newBuilder().setMetadata(
            SnapshotMetadata.newBuilder().setConfState(ConfState.getDefaultInstance())).build();
    /** ents.get(0) is a dummy carrying the index and term of the compaction point. */
    private final ArrayList<Entry> ents = new ArrayList<>(List.of(Entry.getDefaultInstance()));

    @Override
    public RaftStorage raft() {
        return this;
    }

    private long offset() {
        return ents.get(0).getIndex();
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.getMetadata().getConfState());
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxSize) {
        long offset = offset();
        if (lo <= offset) {
            throw new CompactedException("requested index " + lo + " is compacted (offset " + offset + ")");
        }
        if (hi > lastIndex() + 1) {
            throw new IllegalArgumentException("entries' hi(" + hi + ") is out of bound lastindex(" + lastIndex() + ")");
        }
        if (ents.size() == 1) {
            throw new UnavailableException("only the dummy entry");
        }
        List<Entry> out = new ArrayList<>();
        long size = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = ents.get((int) (i - offset));
            size += e.getSerializedSize();
            if (!out.isEmpty() && size > maxSize) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public long term(long index) {
        long offset = offset();
        if (index < offset) {
            throw new CompactedException("term of compacted index " + index);
        }
        if (index - offset >= ents.size()) {
            throw new UnavailableException("term of unavailable index " + index);
        }
        return ents.get((int) (index - offset)).getTerm();
    }

    @Override
    public long lastIndex() {
        return offset() + ents.size() - 1;
    }

    @Override
    public long firstIndex() {
        return offset() + 1;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public void setHardState(HardState hs) {
        this.hardState = hs;
    }

    @Override
    public void applySnapshot(Snapshot snap) {
        if (snap.getMetadata().getIndex() <= snapshot.getMetadata().getIndex()) {
            throw new IllegalStateException("snapshot out of date: " + snap.getMetadata().getIndex()
                    + " <= " + snapshot.getMetadata().getIndex());
        }
        snapshot = snap;
        ents.clear();
        ents.add(Entry.newBuilder().setIndex(snap.getMetadata().getIndex()).setTerm(snap.getMetadata().getTerm()).build());
    }

    @Override
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = firstIndex();
        long last = entries.get(0).getIndex() + entries.size() - 1;
        if (last < first) {
            return;
        }
        if (first > entries.get(0).getIndex()) {
            entries = entries.subList((int) (first - entries.get(0).getIndex()), entries.size());
        }
        long offset = entries.get(0).getIndex() - offset();
        if (ents.size() > offset) {
            ents.subList((int) offset, ents.size()).clear();
            ents.addAll(entries);
        } else if (ents.size() == offset) {
            ents.addAll(entries);
        } else {
            throw new IllegalStateException("missing log entry [last: " + lastIndex() + ", append at: "
                    + entries.get(0).getIndex() + "]");
        }
    }

    @Override
    public void createSnapshot(long index, ConfState confState, ByteString data) {
        if (index <= snapshot.getMetadata().getIndex()) {
            throw new IllegalStateException("snapshot out of date");
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("snapshot " + index + " is out of bound lastindex(" + lastIndex() + ")");
        }
        snapshot = Snapshot.newBuilder().setData(data).setMetadata(SnapshotMetadata.newBuilder()
                .setIndex(index).setTerm(term(index)).setConfState(confState)).build();
    }

    @Override
    public void compact(long index) {
        long offset = offset();
        if (index <= offset) {
            throw new IllegalStateException("compact " + index + " <= offset " + offset);
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("compact " + index + " is out of bound lastindex(" + lastIndex() + ")");
        }
        Entry dummy = Entry.newBuilder().setIndex(index).setTerm(term(index)).build();
        ents.subList(0, (int) (index - offset) + 1).clear();
        ents.add(0, dummy);
    }
}
