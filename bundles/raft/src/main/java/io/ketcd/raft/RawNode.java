package io.ketcd.raft;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.api.raft.Ready;
import io.ketcd.api.raft.ReadState;
import io.ketcd.api.raft.SoftState;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * ketcd's {@link RaftNode}: the raft state machine behind the Ready/advance interface.
 *
 * <p>Not thread-safe: one owner thread calls every method (see {@link RaftNode}). The node
 * remembers the last soft and hard state it reported, so that a {@link Ready} carries them
 * only when they changed, and the last Ready it handed out, which {@link #advance} must
 * acknowledge before {@link #ready()} may be called again.
 */
public final class RawNode implements RaftNode {

    /** Message types that only the node itself generates; peers must not send them. */
    private static final Set<MessageType> LOCAL_TYPES = EnumSet.of(
            MessageType.MsgHup, MessageType.MsgBeat, MessageType.MsgUnreachable,
            MessageType.MsgSnapStatus, MessageType.MsgCheckQuorum,
            MessageType.MsgStorageAppend, MessageType.MsgStorageAppendResp,
            MessageType.MsgStorageApply, MessageType.MsgStorageApplyResp);

    private static final Set<MessageType> RESPONSE_TYPES = EnumSet.of(
            MessageType.MsgAppResp, MessageType.MsgVoteResp, MessageType.MsgHeartbeatResp,
            MessageType.MsgPreVoteResp);

    private final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;
    /** The Ready handed out and not yet advanced, or null. */
    private Ready pending;

    /**
     * Creates a node that restarts from {@code storage} (see {@link
     * io.ketcd.api.raft.RaftCore#create}).
     *
     * @throws IllegalStateException if the stored hard state is inconsistent with the log
     */
    public RawNode(RaftNodeConfig config, RaftStorage storage) {
        this.raft = new Raft(config, storage);
        this.prevSoftState = softState();
        this.prevHardState = raft.hardState();
    }

    @Override
    public void tick() {
        raft.tick();
    }

    @Override
    public void campaign() {
        raft.hup(raft.preVote ? Raft.CampaignType.PRE_ELECTION : Raft.CampaignType.ELECTION);
    }

    @Override
    public void propose(ByteString data) {
        raft.step(Message.newBuilder().setType(MessageType.MsgProp).setFrom(raft.id)
                .addEntries(Entry.newBuilder().setData(data)).build());
    }

    @Override
    public void proposeConfChange(ConfChange cc) {
        raft.step(Message.newBuilder().setType(MessageType.MsgProp).setFrom(raft.id)
                .addEntries(Entry.newBuilder().setType(EntryType.EntryConfChange).setData(cc.toByteString()))
                .build());
    }

    @Override
    public ConfState applyConfChange(ConfChange cc) {
        return raft.applyConfChange(cc);
    }

    @Override
    public void step(Message m) {
        if (LOCAL_TYPES.contains(m.getType())) {
            throw new IllegalArgumentException("cannot step raft local message " + m.getType());
        }
        // answers from a node we no longer track (removed, or never added) carry nothing we
        // could use; requests from unknown nodes still go through, e.g. a new leader's appends
        // to a node that has not yet learned its own membership
        if (RESPONSE_TYPES.contains(m.getType()) && !raft.tracker.progress.containsKey(m.getFrom())) {
            raft.logger.debug("{} ignored {} from unknown peer {}", raft.id, m.getType(), m.getFrom());
            return;
        }
        if (m.getType() == MessageType.MsgProp) {
            try {
                raft.step(m);
            } catch (ProposalDroppedException e) {
                // a proposal forwarded by a peer: nobody here can act on the failure, and the
                // proposer learns of it by its own timeout, as with a lost message
                raft.logger.debug("{} dropped a proposal forwarded by {}: {}", raft.id, m.getFrom(), e.getMessage());
            }
            return;
        }
        raft.step(m);
    }

    @Override
    public void readIndex(ByteString requestContext) {
        raft.step(Message.newBuilder().setType(MessageType.MsgReadIndex)
                .addEntries(Entry.newBuilder().setData(requestContext)).build());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Encoded as etcd does: a MsgTransferLeader whose sender is the transferee.
     */
    @Override
    public void transferLeader(long transferee) {
        raft.step(Message.newBuilder().setType(MessageType.MsgTransferLeader).setFrom(transferee).build());
    }

    @Override
    public void reportUnreachable(long id) {
        stepLocalToLeader(Message.newBuilder().setType(MessageType.MsgUnreachable).setFrom(id).build());
    }

    @Override
    public void reportSnapshot(long id, boolean failed) {
        stepLocalToLeader(Message.newBuilder().setType(MessageType.MsgSnapStatus).setFrom(id)
                .setReject(failed).build());
    }

    /** Reports about peers only concern a leader; other roles ignore them. */
    private void stepLocalToLeader(Message m) {
        if (raft.role == RaftRole.LEADER) {
            raft.leader.step(m);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Mirrors {@link #ready()} field by field without building anything: the driver polls
     * it after every input.
     */
    @Override
    public boolean hasReady() {
        if (!softState().equals(prevSoftState)) {
            return true;
        }
        HardState hs = raft.hardState();
        // an all-zero hard state is a new node's: nothing worth persisting yet
        if (!hs.equals(HardState.getDefaultInstance()) && !hs.equals(prevHardState)) {
            return true;
        }
        UnstableLog u = raft.log.unstable();
        return u.snapshot() != null || !u.entries().isEmpty() || !raft.msgs.isEmpty()
                || raft.log.hasNextEnts() || !raft.readStates.isEmpty();
    }

    @Override
    public Ready ready() {
        if (pending != null) {
            throw new IllegalStateException("ready() called again before advance()");
        }
        SoftState ss = softState();
        HardState hs = raft.hardState();
        List<Entry> entries = raft.log.unstableEntries();
        List<Entry> committed = raft.log.nextEnts();
        Snapshot snap = raft.log.unstable().snapshot();
        boolean hardChanged = !hs.equals(prevHardState);
        // term and vote must be durable before any message that relies on them goes out;
        // a commit index alone may be lost (it is recomputed), so it needs no fsync
        boolean mustSync = !entries.isEmpty() || hs.getTerm() != prevHardState.getTerm()
                || hs.getVote() != prevHardState.getVote();
        Ready rd = new Ready(
                ss.equals(prevSoftState) ? null : ss,
                hardChanged ? hs : null,
                List.<ReadState>copyOf(raft.readStates),
                entries,
                snap,
                committed,
                List.copyOf(raft.msgs),
                mustSync);
        // what the owner now holds is no longer ours to report
        if (rd.softState() != null) {
            prevSoftState = ss;
        }
        raft.readStates.clear();
        raft.msgs.clear();
        pending = rd;
        return rd;
    }

    @Override
    public void advance(Ready rd) {
        if (rd != pending) {
            throw new IllegalArgumentException("advance() with a Ready that is not the last one handed out");
        }
        pending = null;
        // the hard state is remembered only now that the owner has persisted it; a Ready that
        // was taken but never advanced is offered again in full
        if (rd.hardState() != null) {
            prevHardState = rd.hardState();
        }
        if (raft.role == RaftRole.LEADER) {
            raft.leader.reduceUncommittedSize(rd.committedEntries());
        }
        // what the owner applied: the last committed entry, or the snapshot if it only
        // installed one; the next Ready starts after it
        long newApplied = 0;
        if (!rd.committedEntries().isEmpty()) {
            newApplied = rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex();
        } else if (rd.snapshot() != null) {
            newApplied = rd.snapshot().getMetadata().getIndex();
        }
        if (newApplied > 0) {
            raft.log.appliedTo(newApplied);
        }
        // persisted entries leave the unstable tail (unless overwritten in the meantime, which
        // UnstableLog.stableTo detects by the term)
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            raft.log.stableTo(last.getIndex(), last.getTerm());
        }
        if (rd.snapshot() != null) {
            raft.log.stableSnapTo(rd.snapshot().getMetadata().getIndex());
        }
    }

    @Override
    public RaftStatus status() {
        return raft.status();
    }

    /** For tests in this package: the state machine itself. */
    Raft raft() {
        return raft;
    }

    private SoftState softState() {
        return new SoftState(raft.lead, raft.role);
    }
}
