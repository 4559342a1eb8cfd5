package io.ketcd.raft.sim;

import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one simulated node has made durable: the last HardState, the latest snapshot, and the log after a
 * base point (the compaction point, at or below the snapshot), each entry with its prefix hash
 * ({@link Hashes}). It is written only where etcd's server writes its WAL and snapshot (persisting a Ready,
 * creating a snapshot, compacting), so it is exactly what survives a crash; a restarted node's storage is
 * rebuilt from it by {@link #restoreInto}.
 */
final class DurableLog {
    HardState hardState = HardState.getDefaultInstance();
    Snapshot snapshot = Snapshot.newBuilder()
            .setMetadata(SnapshotMetadata.newBuilder().setConfState(ConfState.getDefaultInstance())).build();
    /** Digest of the state at the snapshot's index (0 for "no snapshot"). */
    long snapshotHash;

    // the log: base point (index, term, hash), then entries [baseIndex+1, lastIndex]
    long baseIndex;
    long baseTerm;
    long baseHash;
    final ArrayList<Entry> entries = new ArrayList<>();
    private long[] hashes = new long[64];

    long lastIndex() {
        return baseIndex + entries.size();
    }

    long snapshotIndex() {
        return snapshot.getMetadata().getIndex();
    }

    /** True if index is the base point or a log entry. */
    boolean covers(long index) {
        return index >= baseIndex && index <= lastIndex();
    }

    /** Prefix hash at index; index must be {@link #covers covered}. */
    long hashAt(long index) {
        if (index == baseIndex) {
            return baseHash;
        }
        return hashes[(int) (index - baseIndex - 1)];
    }

    long termAt(long index) {
        if (index == baseIndex) {
            return baseTerm;
        }
        return entries.get((int) (index - baseIndex - 1)).getTerm();
    }

    Entry entryAt(long index) {
        return entries.get((int) (index - baseIndex - 1));
    }

    /**
     * Appends with MemoryStorage's semantics and returns the entries the append removed (an overwritten
     * conflicting tail), for the checker. Entries at or below the base are skipped.
     */
    List<Entry> append(List<Entry> es) {
        if (es.isEmpty()) {
            return List.of();
        }
        long first = es.get(0).getIndex();
        if (first + es.size() - 1 <= baseIndex) {
            return List.of();
        }
        if (first <= baseIndex) {
            es = es.subList((int) (baseIndex + 1 - first), es.size());
            first = baseIndex + 1;
        }
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("gap in the log: appending at " + first + " after last index " + lastIndex());
        }
        List<Entry> removed = List.of();
        int keep = (int) (first - baseIndex - 1);
        if (keep < entries.size()) {
            removed = new ArrayList<>(entries.subList(keep, entries.size()));
            entries.subList(keep, entries.size()).clear();
        }
        long prev = keep == 0 ? baseHash : hashes[keep - 1];
        for (Entry e : es) {
            if (e.getIndex() != baseIndex + entries.size() + 1) {
                throw new IllegalStateException("non-contiguous entries in one append: " + e.getIndex());
            }
            prev = Hashes.chain(prev, e);
            if (entries.size() == hashes.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
            }
            hashes[entries.size()] = prev;
            entries.add(e);
        }
        return removed;
    }

    /** Installs a snapshot received from a leader: like MemoryStorage, it replaces the whole log. */
    void applySnapshot(Snapshot snap, long hash) {
        snapshot = snap;
        snapshotHash = hash;
        resetBase(snap.getMetadata().getIndex(), snap.getMetadata().getTerm(), hash);
        entries.clear();
    }

    private void resetBase(long index, long term, long hash) {
        baseIndex = index;
        baseTerm = term;
        baseHash = hash;
    }

    /** A snapshot the node takes of its own state at index (which must be covered). */
    void createSnapshot(long index, ConfState cs, ByteString data, long hash) {
        snapshot = Snapshot.newBuilder().setData(data).setMetadata(SnapshotMetadata.newBuilder()
                .setIndex(index).setTerm(termAt(index)).setConfState(cs)).build();
        snapshotHash = hash;
    }

    /** Drops the entries up to index, which becomes the base point. */
    void compact(long index) {
        long term = termAt(index);
        long hash = hashAt(index);
        int drop = (int) (index - baseIndex);
        entries.subList(0, drop).clear();
        hashes = Arrays.copyOfRange(hashes, drop, Math.max(hashes.length, drop + 64));
        resetBase(index, term, hash);
    }

    /**
     * What a restart sees: the storage is rebuilt from the snapshot, the HardState and the entries after the
     * snapshot (entries kept between an older compaction point and the snapshot are not replayed, as etcd
     * replays its WAL from the snapshot on).
     */
    void restoreInto(SimStorage storage) {
        long s = snapshotIndex();
        if (s > baseIndex) {
            compact(s);
        }
        if (s > 0) {
            storage.applySnapshot(snapshot);
        }
        storage.setHardState(hardState);
        if (!entries.isEmpty()) {
            storage.append(List.copyOf(entries));
        }
    }

    String describe() {
        return "durable{hs=" + Describe.hardState(hardState) + " snap=" + snapshotIndex() + "/"
                + snapshot.getMetadata().getTerm() + " base=" + baseIndex + " last=" + lastIndex() + "}";
    }
}
