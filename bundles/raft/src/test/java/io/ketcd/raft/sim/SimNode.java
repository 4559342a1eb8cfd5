package io.ketcd.raft.sim;

import io.ketcd.api.raft.RaftNode;
import io.ketcd.proto.raftpb.ConfState;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One simulated member: its durable state (which survives crashes), and while it is up, its raft node, the
 * storage raft reads and its volatile state machine. The state machine is a digest chained over the applied
 * entries (see {@link Hashes}) plus the membership raft returned from {@code applyConfChange}.
 *
 * <p>Restart policy (documented choice): the state machine is volatile. A restarted node rebuilds its
 * storage from {@link DurableLog} and its state machine from the durable snapshot, starts raft with
 * {@code applied} = the snapshot index, and re-applies the committed entries after it as raft hands them
 * back. This is etcd's recovery from snapshot + WAL with an in-memory state machine, and it makes every
 * restart re-check state machine safety on the replayed entries.
 */
final class SimNode {
    final long id;
    final DurableLog durable = new DurableLog();

    /** null while the node is down or removed. */
    RaftNode raft;
    SimStorage storage;
    /** Set once the node applied its own removal (or was shut down as not a member): it never restarts. */
    boolean removed;
    int incarnation;

    // volatile state machine
    long applied;
    long digest;
    ConfState conf = ConfState.getDefaultInstance();
    /** The highest liveness-phase proposal this node applied. */
    long livenessSeen;

    /** Reads asked of the current raft node and not answered yet: what a swap must ask again. */
    final Set<ByteString> readsInFlight = new LinkedHashSet<>();
    /**
     * Reads of a replaced raft node, asked again of its successor once it knows a leader: a fresh node has
     * none, and a follower without one drops a read silently (RaftLoop retries until answered instead).
     */
    final List<ByteString> readsToResend = new ArrayList<>();

    SimNode(long id) {
        this.id = id;
    }

    boolean up() {
        return raft != null;
    }

    boolean isMember(ConfState cs) {
        return cs.getVotersList().contains(id) || cs.getLearnersList().contains(id);
    }

    @Override
    public String toString() {
        return "n" + id + (removed ? "(removed)" : up() ? "" : "(down)") + " applied=" + applied + " "
                + durable.describe() + " conf{" + Describe.confState(conf) + "}";
    }
}
