package io.ketcd.server.internal;

import io.ketcd.api.raft.RaftNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Proposals that arrive while a raft core change is under way, held instead of dropped until a
 * leader can take them. Raft drops a proposal while its leader transfers leadership, and while a
 * node knows no leader; a dropped proposal forwarded by a peer fails only by the proposer's
 * request timeout (etcd's 5 s plus two election timeouts), so without the hold every client
 * that wrote during a swap on the leader would stall that long. Held proposals are handed to the
 * node once it knows a leader other than a departing one, or after a deadline, whichever is first;
 * a proposal that raft still drops then fails as it would have. Touched by the raft loop thread
 * only.
 */
final class HeldProposals {
    private final List<Consumer<RaftNode>> held = new ArrayList<>();
    /** System.nanoTime() at which the hold ends; meaningful only while {@link #holding}. */
    private long until;
    private boolean holding;

    /** Holds what arrives from now until {@code deadline} (System.nanoTime()) at the latest. */
    void holdUntil(long deadline) {
        holding = true;
        until = deadline;
    }

    boolean holding() {
        return holding;
    }

    boolean expired(long now) {
        return holding && now - until >= 0;
    }

    /** Keeps {@code proposal} for {@link #release}; false, keeping nothing, when not holding. */
    boolean add(Consumer<RaftNode> proposal) {
        if (holding) {
            held.add(proposal);
        }
        return holding;
    }

    /** Ends the hold and hands {@code node} every held proposal, in the order they arrived. */
    void release(RaftNode node) {
        holding = false;
        List<Consumer<RaftNode>> released = new ArrayList<>(held);
        held.clear();
        released.forEach(p -> p.accept(node));
    }
}
