package io.ketcd.api.raft;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Message;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One raft member as a pure state machine: no threads, clock, sockets or disk.
 *
 * <p><b>Not thread-safe.</b> A single owner thread calls every method. Time passes only
 * through {@link #tick()}; all randomness comes from {@link RaftNodeConfig#random()}, so a node
 * driven by the same inputs produces the same outputs.
 *
 * <p>The driver loop is: feed inputs; while {@link #hasReady()}, take {@link #ready()}, persist
 * its snapshot, entries and hard state (an fsync when {@link Ready#mustSync()}), send its
 * messages, apply its committed entries, and call {@link #advance(Ready)}.
 */
@ProviderType
public interface RaftNode {

    /** Advances the logical clock by one tick (elections, heartbeats, check-quorum). */
    void tick();

    /** Starts an election now (a pre-vote first if {@link RaftNodeConfig#preVote()}). */
    void campaign();

    /**
     * Proposes {@code data} for appending to the log. On a follower the proposal is forwarded
     * to the leader (unless {@link RaftNodeConfig#disableProposalForwarding()}). Success does
     * not mean the entry will commit: it may still be lost on a leader change.
     *
     * @throws ProposalDroppedException if no leader is known, forwarding is disabled, a
     *     leadership transfer is under way, or the uncommitted tail would exceed {@link
     *     RaftNodeConfig#maxUncommittedEntriesSize()}
     */
    void propose(ByteString data);

    /**
     * Proposes a membership change. Once committed, the change reaches the owner in {@link
     * Ready#committedEntries()} and takes effect when the owner calls {@link
     * #applyConfChange(ConfChange)}. A leader with an unapplied change in its log replaces a
     * second one by an empty normal entry (one change at a time).
     *
     * @throws ProposalDroppedException as for {@link #propose(ByteString)}
     */
    void proposeConfChange(ConfChange cc);

    /**
     * Applies a committed membership change to this node's configuration.
     *
     * @return the configuration after the change, which the owner stores with its next snapshot
     */
    ConfState applyConfChange(ConfChange cc);

    /**
     * Delivers a message received from a peer. Messages of an unknown sender or a stale term are
     * ignored as raft prescribes; so is a proposal forwarded by a peer ({@code MsgProp}) that
     * this node must drop: the proposer finds out by its own timeout, as for a lost message.
     *
     * @throws IllegalArgumentException if {@code m} has a local-only type ({@code MsgHup},
     *     {@code MsgBeat}, {@code MsgUnreachable}, {@code MsgSnapStatus}, {@code MsgCheckQuorum},
     *     the storage message types); use the dedicated methods instead
     */
    void step(Message m);

    /**
     * Requests a linearizable read point. A {@link ReadState} carrying {@code requestContext}
     * appears in a later {@link Ready#readStates()} once the leader has confirmed its leadership
     * (or by lease, see {@link ReadOnlyOption}); the read is safe once the owner has applied up
     * to {@link ReadState#index()}. The request is dropped silently if no leader is known; the
     * caller retries after a timeout, as etcd does.
     */
    void readIndex(ByteString requestContext);

    /**
     * Asks the leader to hand leadership to {@code transferee}: on the leader for any member,
     * on a follower only for itself (the request is forwarded to the leader). Ignored if not
     * possible (no leader known, transferee is a learner or unknown, or this follower is not
     * the transferee).
     */
    void transferLeader(long transferee);

    /** Tells the leader that the last message to {@code id} could not be delivered. */
    void reportUnreachable(long id);

    /** Tells the leader whether sending a snapshot to {@code id} failed. */
    void reportSnapshot(long id, boolean failed);

    /** Whether {@link #ready()} would return anything to persist, send, apply or report. */
    boolean hasReady();

    /**
     * Returns the pending work. The owner must handle it and call {@link #advance(Ready)}
     * before calling {@code ready()} again.
     */
    Ready ready();

    /**
     * Acknowledges that everything in {@code ready} (the last value returned by {@link
     * #ready()}) has been persisted, sent and applied.
     *
     * @throws IllegalArgumentException if {@code ready} is not the last ready returned
     */
    void advance(Ready ready);

    /** A snapshot of this node's state; the returned value is immutable. */
    RaftStatus status();
}
