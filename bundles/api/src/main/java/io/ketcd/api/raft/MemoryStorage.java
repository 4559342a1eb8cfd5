package io.ketcd.api.raft;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RaftStorage} in memory: what a durable storage would hold after every write was
 * fsynced. The server's raft driver keeps its log in one, filled from the WAL and snapshot at
 * start and appended to after each fsync (as etcd's server keeps etcd-raft's {@code
 * MemoryStorage}); raft's tests and simulations use it as a node's whole storage. It lives in
 * the contract package so that the server needs nothing of the raft implementation, which
 * stays swappable behind {@link RaftCore}.
 *
 * <p>Layout: {@code ents.get(0)} is a dummy entry at the snapshot's index and term, so that
 * {@code term(firstIndex() - 1)} works; real entries follow. Example: snapshot at (index 5,
 * term 2) and entries 6..8 give ents = [(5,2), 6, 7, 8], firstIndex 6, lastIndex 8.
 *
 * <p>Thread-safe (every method synchronized): the owner may compact or snapshot from another
 * thread than the node's, as etcd's server does.
 */
public final class MemoryStorage implements RaftStorage {

    private HardState hardState = HardState.getDefaultInstance();
    private Snapshot snapshot = Snapshot.getDefaultInstance();
    /** ents.get(0) is the dummy entry at the snapshot's index; invariant: non-empty. */
    private List<Entry> ents = new ArrayList<>();

    /** An empty storage with no members (a node joining an existing cluster). */
    public MemoryStorage() {
        ents.add(Entry.getDefaultInstance());
    }

    /** An empty storage whose membership is {@code confState} (bootstrapping a new cluster). */
    public MemoryStorage(ConfState confState) {
        this();
        snapshot = Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder().setConfState(confState)).build();
    }

    /** An empty storage whose voters are {@code voters}. */
    public static MemoryStorage withVoters(long... voters) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long v : voters) {
            cs.addVoters(v);
        }
        return new MemoryStorage(cs.build());
    }

    @Override
    public synchronized InitialState initialState() {
        return new InitialState(hardState, snapshot.getMetadata().getConfState());
    }

    public synchronized void setHardState(HardState hs) {
        this.hardState = hs;
    }

    public synchronized HardState hardState() {
        return hardState;
    }

    @Override
    public synchronized List<Entry> entries(long lo, long hi, long maxSize) {
        long offset = ents.get(0).getIndex();
        if (lo <= offset) {
            throw new CompactedException("index " + lo + " is compacted (first index " + (offset + 1) + ")");
        }
        if (hi > lastIndexLocked() + 1) {
            throw new UnavailableException("entries' hi(" + hi + ") is out of bound lastindex(" + lastIndexLocked() + ")");
        }
        if (ents.size() == 1 || lo >= hi) {
            return List.of();
        }
        return List.copyOf(LogStorage.limitSize(ents.subList((int) (lo - offset), (int) (hi - offset)), maxSize));
    }

    @Override
    public synchronized long term(long index) {
        long offset = ents.get(0).getIndex();
        if (index < offset) {
            throw new CompactedException("index " + index + " is compacted");
        }
        if (index - offset >= ents.size()) {
            throw new UnavailableException("index " + index + " > last index " + lastIndexLocked());
        }
        return ents.get((int) (index - offset)).getTerm();
    }

    @Override
    public synchronized long lastIndex() {
        return lastIndexLocked();
    }

    private long lastIndexLocked() {
        return ents.get(0).getIndex() + ents.size() - 1;
    }

    @Override
    public synchronized long firstIndex() {
        return ents.get(0).getIndex() + 1;
    }

    @Override
    public synchronized Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Replaces the whole content by {@code snap} (a follower installing its leader's snapshot).
     *
     * @throws IllegalArgumentException if {@code snap} is older than the current snapshot
     */
    public synchronized void applySnapshot(Snapshot snap) {
        long idx = snap.getMetadata().getIndex();
        if (snapshot.getMetadata().getIndex() >= idx) {
            throw new IllegalArgumentException("snapshot at " + idx + " is out of date (have "
                    + snapshot.getMetadata().getIndex() + ")");
        }
        snapshot = snap;
        ents = new ArrayList<>();
        ents.add(Entry.newBuilder().setIndex(idx).setTerm(snap.getMetadata().getTerm()).build());
    }

    /**
     * Makes a snapshot at {@code index} (which the owner has applied) with {@code data} as the
     * state machine's content. The log is not compacted; call {@link #compact} for that.
     *
     * @throws IllegalArgumentException if {@code index} is not newer than the current snapshot
     * @throws UnavailableException if {@code index > lastIndex()}
     */
    public synchronized Snapshot createSnapshot(long index, ConfState cs, ByteString data) {
        if (index <= snapshot.getMetadata().getIndex()) {
            throw new IllegalArgumentException("snapshot at " + index + " is out of date");
        }
        long offset = ents.get(0).getIndex();
        if (index > lastIndexLocked()) {
            throw new UnavailableException("snapshot " + index + " is out of bound lastindex(" + lastIndexLocked() + ")");
        }
        SnapshotMetadata.Builder md = SnapshotMetadata.newBuilder().setIndex(index)
                .setTerm(ents.get((int) (index - offset)).getTerm());
        if (cs != null) {
            md.setConfState(cs);
        }
        snapshot = Snapshot.newBuilder().setMetadata(md).setData(data).build();
        return snapshot;
    }

    /**
     * Discards entries up to and including {@code compactIndex}, which the owner has applied
     * and covered with a snapshot; the entry at {@code compactIndex} stays as the dummy.
     *
     * @throws CompactedException if {@code compactIndex} is already compacted
     * @throws UnavailableException if {@code compactIndex > lastIndex()}
     */
    public synchronized void compact(long compactIndex) {
        long offset = ents.get(0).getIndex();
        if (compactIndex <= offset) {
            throw new CompactedException("index " + compactIndex + " is already compacted");
        }
        if (compactIndex > lastIndexLocked()) {
            throw new UnavailableException("compact " + compactIndex + " is out of bound lastindex(" + lastIndexLocked() + ")");
        }
        int i = (int) (compactIndex - offset);
        List<Entry> kept = new ArrayList<>(ents.size() - i);
        Entry dummy = ents.get(i);
        kept.add(Entry.newBuilder().setIndex(dummy.getIndex()).setTerm(dummy.getTerm()).build());
        kept.addAll(ents.subList(i + 1, ents.size()));
        ents = kept;
    }

    /**
     * Appends entries as handed out in {@link Ready#entries()}: entries
     * already compacted are skipped, and a conflicting tail is replaced.
     *
     * @throws IllegalArgumentException if the entries leave a gap after the last index
     */
    public synchronized void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = firstIndex();
        long last = entries.get(0).getIndex() + entries.size() - 1;
        if (last < first) {
            return;
        }
        List<Entry> toAdd = entries;
        // entries below our first index are already covered by the snapshot
        if (first > entries.get(0).getIndex()) {
            toAdd = entries.subList((int) (first - entries.get(0).getIndex()), entries.size());
        }
        long offset = toAdd.get(0).getIndex() - ents.get(0).getIndex();
        if (ents.size() > offset) {
            // the new entries overwrite a tail raft found to conflict: truncate, then append
            ents = new ArrayList<>(ents.subList(0, (int) offset));
            ents.addAll(toAdd);
        } else if (ents.size() == offset) {
            ents.addAll(toAdd);
        } else {
            throw new IllegalArgumentException("missing log entry [last: " + lastIndexLocked()
                    + ", append at: " + toAdd.get(0).getIndex() + "]");
        }
    }
}
