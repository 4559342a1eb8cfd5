package io.ketcd.raft;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The tail of the log that the owner has not yet persisted: possibly a snapshot, then entries.
 *
 * <p>Invariants: {@code entries.get(k).getIndex() == offset + k}; if {@code snapshot != null}
 * then {@code offset == snapshot index + 1}. Entries leave through {@link #stableTo} once the
 * owner acknowledges a Ready that carried them.
 *
 * <p>Example: offset 5, entries [5, 6, 7]; the stored log holds [1..4] (or more: a longer,
 * conflicting stored tail from index 5 on is overwritten by the owner when it persists these).
 */
final class UnstableLog {

    private Snapshot snapshot;
    private List<Entry> entries = new ArrayList<>();
    private long offset;

    UnstableLog(long offset) {
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    List<Entry> entries() {
        return entries;
    }

    /** The first index if a snapshot is pending, else -1 (the storage knows). */
    long maybeFirstIndex() {
        return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : -1;
    }

    /** The last index held here, or -1 if neither entries nor a snapshot are held. */
    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot != null ? snapshot.getMetadata().getIndex() : -1;
    }

    /** The term of {@code index} if held here, else -1. */
    long maybeTerm(long index) {
        if (index < offset) {
            if (snapshot != null && snapshot.getMetadata().getIndex() == index) {
                return snapshot.getMetadata().getTerm();
            }
            return -1;
        }
        long last = maybeLastIndex();
        if (last < 0 || index > last) {
            return -1;
        }
        return entries.get((int) (index - offset)).getTerm();
    }

    /**
     * Drops entries up to {@code index} once persisted. The term check guards against a stale
     * acknowledgement: if the entry at {@code index} was overwritten since the Ready was taken
     * (new term), the newer entry is not yet stable and stays.
     */
    void stableTo(long index, long term) {
        long t = maybeTerm(index);
        if (t == term && index >= offset) {
            entries = new ArrayList<>(entries.subList((int) (index + 1 - offset), entries.size()));
            offset = index + 1;
        }
    }

    void stableSnapTo(long index) {
        if (snapshot != null && snapshot.getMetadata().getIndex() == index) {
            snapshot = null;
        }
    }

    void restore(Snapshot s) {
        offset = s.getMetadata().getIndex() + 1;
        entries = new ArrayList<>();
        snapshot = s;
    }

    /** Appends {@code ents} (consecutive indexes), truncating whatever they overwrite. */
    void truncateAndAppend(List<Entry> ents) {
        long after = ents.get(0).getIndex();
        if (after == offset + entries.size()) {
            entries.addAll(ents);
        } else if (after <= offset) {
            // replaces everything held here; the storage truncates its own tail when persisting
            offset = after;
            entries = new ArrayList<>(ents);
        } else {
            List<Entry> kept = new ArrayList<>(entries.subList(0, (int) (after - offset)));
            kept.addAll(ents);
            entries = kept;
        }
    }

    /** The entries in {@code [lo, hi)}, which must lie within {@code [offset, last + 1]}. */
    List<Entry> slice(long lo, long hi) {
        if (lo > hi || lo < offset || hi > offset + entries.size()) {
            throw new IllegalStateException(
                    "unstable.slice[" + lo + "," + hi + ") out of bound [" + offset + ","
                            + (offset + entries.size()) + "]");
        }
        return entries.subList((int) (lo - offset), (int) (hi - offset));
    }
}
