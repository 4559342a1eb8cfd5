package io.ketcd.raft;

/**
 * The leader's view of one follower (or learner), and the flow-control state machine that
 * decides what to send next.
 *
 * <ul>
 *   <li>{@link State#PROBE}: the leader does not know where the follower's log matches; it
 *       sends one append at a time ({@link #probeSent}) and backs off on rejection.
 *   <li>{@link State#REPLICATE}: the logs match up to {@link #match}; appends are pipelined
 *       optimistically, bounded by {@link #inflights}.
 *   <li>{@link State#SNAPSHOT}: the follower needs entries the leader has compacted; a
 *       snapshot is on its way and nothing else is sent until it is reported.
 * </ul>
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {

    enum State {
        PROBE, REPLICATE, SNAPSHOT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    long match;
    long next;
    State state = State.PROBE;
    /** In SNAPSHOT state: the index of the snapshot being sent. */
    long pendingSnapshot;
    /** Heard from within the current election timeout (check-quorum, snapshot sending). */
    boolean recentActive;
    /** In PROBE state: an append is outstanding, so wait for its answer or a heartbeat. */
    boolean probeSent;
    final Inflights inflights;
    boolean isLearner;

    Progress(long match, long next, int maxInflight, boolean isLearner, boolean recentActive) {
        this.match = match;
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.isLearner = isLearner;
        this.recentActive = recentActive;
    }

    private void resetState(State s) {
        state = s;
        probeSent = false;
        pendingSnapshot = 0;
        inflights.reset();
    }

    void becomeProbe() {
        if (state == State.SNAPSHOT) {
            // the snapshot, if it arrived, covers up to pendingSnapshot: probe just after it
            long snap = pendingSnapshot;
            resetState(State.PROBE);
            next = Math.max(match + 1, snap + 1);
        } else {
            resetState(State.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(State.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(State.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /** Records an acknowledgement up to {@code n}; returns whether {@link #match} advanced. */
    boolean maybeUpdate(long n) {
        boolean updated = false;
        if (match < n) {
            match = n;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, n + 1);
        return updated;
    }

    /** Pipelining in REPLICATE state: assume the append up to {@code n} will succeed. */
    void optimisticUpdate(long n) {
        next = n + 1;
    }

    /**
     * Handles a rejected append at {@code rejected}. {@code matchHint} is the follower's (or,
     * after findConflictByTerm, the leader's) best guess of the highest index that may match.
     *
     * @return false if the rejection is stale (an answer to an older probe) and was ignored
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        // in probe state only the answer to the latest probe (at next - 1) counts
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), 1);
        probeSent = false;
        return true;
    }

    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    @Override
    public String toString() {
        return state.label() + " match=" + match + " next=" + next
                + (isLearner ? " learner" : "") + (pendingSnapshot > 0 ? " pendingSnap=" + pendingSnapshot : "")
                + " inflight=" + inflights.count();
    }
}
