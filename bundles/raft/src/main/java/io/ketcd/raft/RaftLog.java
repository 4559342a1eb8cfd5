package io.ketcd.raft;

import io.ketcd.api.raft.CompactedException;
import io.ketcd.api.raft.LogStorage;
import io.ketcd.api.raft.UnavailableException;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The log as raft sees it: the owner's stable {@link LogStorage} followed by the {@link
 * UnstableLog} tail.
 *
 * <p>Invariant: {@code firstIndex() - 1 <= applied <= committed <= lastIndex()}. Entries up to
 * {@code committed} never change; anything after it may be truncated by a new leader.
 */
final class RaftLog {

    private final LogStorage storage;
    private final UnstableLog unstable;
    /** Highest index known to be stored on a quorum. */
    private long committed;
    /** Highest index handed to the owner for applying. */
    private long applied;
    /** Byte limit of committed entries handed out in one Ready (at least one entry). */
    private final long maxNextEntsSize;

    RaftLog(LogStorage storage, long maxNextEntsSize) {
        this.storage = storage;
        this.maxNextEntsSize = maxNextEntsSize;
        long first = storage.firstIndex();
        this.unstable = new UnstableLog(storage.lastIndex() + 1);
        // everything up to the snapshot is committed and applied by definition
        this.committed = first - 1;
        this.applied = first - 1;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    UnstableLog unstable() {
        return unstable;
    }

    long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i >= 0 ? i : storage.firstIndex();
    }

    long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i >= 0 ? i : storage.lastIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * The term of {@code index}.
     *
     * @throws CompactedException if {@code index < firstIndex() - 1}
     * @throws UnavailableException if {@code index > lastIndex()}
     */
    long term(long index) {
        long t = unstable.maybeTerm(index);
        if (t >= 0) {
            return t;
        }
        if (index < firstIndex() - 1) {
            throw new CompactedException("index " + index + " is compacted");
        }
        if (index > lastIndex()) {
            throw new UnavailableException("index " + index + " > last index " + lastIndex());
        }
        return storage.term(index);
    }

    /** The term of {@code index}, or 0 where it is not known (compacted or beyond the end). */
    long termOrZero(long index) {
        try {
            return term(index);
        } catch (CompactedException | UnavailableException e) {
            return 0;
        }
    }

    boolean matchTerm(long index, long term) {
        return termOrZero(index) == term;
    }

    /** §5.4.1: a candidate's log is at least as up to date as ours. */
    boolean isUpToDate(long lastIndex, long term) {
        long ourTerm = lastTerm();
        return term > ourTerm || (term == ourTerm && lastIndex >= lastIndex());
    }

    /**
     * Handles an append from the leader: if our log has {@code (index, logTerm)}, appends the
     * new part of {@code ents} (truncating a conflicting uncommitted tail) and advances the
     * commit index to {@code min(committed, last new index)}.
     *
     * @return the last index of the appended range, or -1 if the log does not match
     */
    long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
        // log matching (§5.3): if we hold (index, logTerm), our logs agree up to index
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNew = index + ents.size();
        long conflict = findConflict(ents);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException(
                        "entry " + conflict + " conflicts with committed entry (committed " + committed + ")");
            }
            append(ents.subList((int) (conflict - (index + 1)), ents.size()));
        }
        // only what this message proved to match may be committed: entries of ours beyond
        // lastNew may still be a stale tail the leader has not overwritten yet
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /**
     * The index of the first entry of {@code ents} whose term differs from ours (or that we do
     * not have), or 0 if all of {@code ents} is already in our log.
     */
    long findConflict(List<Entry> ents) {
        for (Entry e : ents) {
            if (!matchTerm(e.getIndex(), e.getTerm())) {
                return e.getIndex();
            }
        }
        return 0;
    }

    /**
     * Fast backtracking: the largest index {@code <= index} whose term is {@code <= term}.
     * Any entry above it has a term greater than {@code term} and so cannot match an entry the
     * other side holds with term {@code <= term}; the probe can skip it.
     *
     * <p>Example: our log terms [1,1,3,3,3] (indexes 1..5), probe at (5, term 2): returns 2.
     */
    long findConflictByTerm(long index, long term) {
        if (index > lastIndex()) {
            return index;
        }
        while (index > 0) {
            long t;
            try {
                t = term(index);
            } catch (CompactedException | UnavailableException e) {
                break;
            }
            if (t <= term) {
                break;
            }
            index--;
        }
        return index;
    }

    /** Appends entries (consecutive) after a possibly truncated tail; returns the last index. */
    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).getIndex() - 1;
        if (after < committed) {
            throw new IllegalStateException("append after " + after + " is below committed " + committed);
        }
        unstable.truncateAndAppend(ents);
        return lastIndex();
    }

    void commitTo(long index) {
        if (committed < index) {
            if (lastIndex() < index) {
                throw new IllegalStateException(
                        "commit " + index + " is out of range [last index " + lastIndex() + "]");
            }
            committed = index;
        }
    }

    /** §5.4.2: commits {@code maxIndex} only if its entry is of the leader's current term. */
    boolean maybeCommit(long maxIndex, long term) {
        if (maxIndex > committed && termOrZero(maxIndex) == term) {
            commitTo(maxIndex);
            return true;
        }
        return false;
    }

    void appliedTo(long index) {
        if (index == 0) {
            return;
        }
        if (committed < index || index < applied) {
            throw new IllegalStateException(
                    "applied " + index + " out of range [prev applied " + applied + ", committed " + committed + "]");
        }
        applied = index;
    }

    void stableTo(long index, long term) {
        unstable.stableTo(index, term);
    }

    void stableSnapTo(long index) {
        unstable.stableSnapTo(index);
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable.entries());
    }

    /** Committed entries not yet handed out for applying, bounded by the Ready size limit. */
    List<Entry> nextEnts() {
        long off = Math.max(applied + 1, firstIndex());
        if (committed + 1 > off) {
            return slice(off, committed + 1, maxNextEntsSize);
        }
        return List.of();
    }

    boolean hasNextEnts() {
        return committed + 1 > Math.max(applied + 1, firstIndex());
    }

    /** Entries from {@code index} to the end, bounded by {@code maxSize}; empty past the end. */
    List<Entry> entries(long index, long maxSize) {
        if (index > lastIndex()) {
            return List.of();
        }
        return slice(index, lastIndex() + 1, maxSize);
    }

    /** The pending snapshot if any, else the storage's (which may throw "temporarily unavailable"). */
    Snapshot snapshot() {
        return unstable.snapshot() != null ? unstable.snapshot() : storage.snapshot();
    }

    void restore(Snapshot s) {
        committed = s.getMetadata().getIndex();
        unstable.restore(s);
    }

    /**
     * Entries in {@code [lo, hi)} across storage and the unstable tail, limited to {@code
     * maxSize} bytes but never empty when {@code lo < hi}.
     *
     * @throws CompactedException if {@code lo < firstIndex()}
     */
    List<Entry> slice(long lo, long hi, long maxSize) {
        if (lo > hi) {
            throw new IllegalStateException("invalid slice " + lo + " > " + hi);
        }
        if (lo < firstIndex()) {
            throw new CompactedException("index " + lo + " is compacted");
        }
        if (hi > lastIndex() + 1) {
            throw new IllegalStateException("slice[" + lo + "," + hi + ") out of bound " + lastIndex());
        }
        if (lo == hi) {
            return List.of();
        }
        List<Entry> result = new ArrayList<>();
        long uoff = unstable.offset();
        if (lo < uoff) {
            long storedHi = Math.min(hi, uoff);
            List<Entry> stored = storage.entries(lo, storedHi, maxSize);
            if (stored.size() < storedHi - lo) {
                // the storage stopped at the size limit: nothing from the unstable part fits
                return stored;
            }
            result.addAll(stored);
        }
        if (hi > uoff) {
            result.addAll(unstable.slice(Math.max(lo, uoff), hi));
        }
        return LogStorage.limitSize(result, maxSize);
    }
}
