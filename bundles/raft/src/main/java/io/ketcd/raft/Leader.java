package io.ketcd.raft;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.CompactedException;
import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.ReadOnlyOption;
import io.ketcd.api.raft.ReadState;
import io.ketcd.api.raft.SnapshotTemporarilyUnavailableException;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The leader's step function and its duties: replication with per-follower flow control
 * (§5.3), commitment (§5.4.2), heartbeats, check-quorum, read index, leadership transfer, and
 * the admission of proposals (one pending conf change, uncommitted size limit).
 */
final class Leader implements Raft.RoleStep {

    private final Raft r;

    Leader(Raft r) {
        this.r = r;
    }

    // ---- timers ----

    void tickHeartbeat() {
        r.heartbeatElapsed++;
        r.electionElapsed++;
        if (r.electionElapsed >= r.electionTimeout) {
            r.electionElapsed = 0;
            if (r.checkQuorum) {
                checkQuorum();
            }
            // a transfer that did not finish within an election timeout is abandoned
            if (r.role == RaftRole.LEADER && r.leadTransferee != Raft.NONE) {
                abortLeaderTransfer();
            }
        }
        if (r.role != RaftRole.LEADER) {
            return;
        }
        if (r.heartbeatElapsed >= r.heartbeatTimeout) {
            r.heartbeatElapsed = 0;
            bcastHeartbeat();
        }
    }

    /** Steps down unless a quorum of voters was heard from since the last check. */
    private void checkQuorum() {
        Progress self = r.tracker.progress.get(r.id);
        if (self != null) {
            self.recentActive = true;
        }
        if (!r.tracker.quorumActive()) {
            r.logger.warn("{} stepped down to follower since quorum is not active", r.id);
            r.becomeFollower(r.term, Raft.NONE);
        }
        r.tracker.progress.forEach((id, pr) -> {
            if (id != r.id) {
                pr.recentActive = false;
            }
        });
    }

    void abortLeaderTransfer() {
        r.leadTransferee = Raft.NONE;
    }

    // ---- the step function ----

    @Override
    public void step(Message m) {
        switch (m.getType()) {
            case MsgProp -> {
                propose(m);
                return;
            }
            case MsgReadIndex -> {
                readIndex(m);
                return;
            }
            default -> {
            }
        }
        Progress pr = r.tracker.progress.get(m.getFrom());
        if (pr == null) {
            r.logger.debug("{} no progress available for {}", r.id, m.getFrom());
            return;
        }
        switch (m.getType()) {
            case MsgAppResp -> handleAppendResponse(m, pr);
            case MsgHeartbeatResp -> handleHeartbeatResponse(m, pr);
            case MsgSnapStatus -> {
                if (pr.state != Progress.State.SNAPSHOT) {
                    return;
                }
                if (m.getReject()) {
                    // the snapshot did not arrive: forget it, probe again from match + 1
                    pr.pendingSnapshot = 0;
                }
                pr.becomeProbe();
                // wait for a heartbeat response (or the append response) before probing
                pr.probeSent = true;
            }
            case MsgUnreachable -> {
                // optimistic pipelining is pointless if messages are lost: fall back to probing
                if (pr.state == Progress.State.REPLICATE) {
                    pr.becomeProbe();
                }
            }
            case MsgTransferLeader -> transferLeader(m.getFrom(), pr);
            default -> {
            }
        }
    }

    // ---- proposals ----

    /**
     * Appends the proposed entries and replicates them. Throws {@link ProposalDroppedException}
     * when refused; the caller (RawNode.propose) passes it on to the owner, or swallows it for a
     * peer's forwarded proposal.
     */
    private void propose(Message m) {
        if (m.getEntriesCount() == 0) {
            throw new IllegalArgumentException("stepped empty MsgProp");
        }
        if (!r.tracker.progress.containsKey(r.id)) {
            // removed from the configuration but still leader until it steps down
            throw new ProposalDroppedException("leader " + r.id + " is not a member any more");
        }
        if (r.leadTransferee != Raft.NONE) {
            throw new ProposalDroppedException(
                    "leader " + r.id + " is transferring leadership to " + r.leadTransferee);
        }
        List<Entry.Builder> ents = new ArrayList<>(m.getEntriesCount());
        // taken over only if the entries are appended: a refused proposal leaves no trace
        long newPendingConfIndex = r.pendingConfIndex;
        for (int i = 0; i < m.getEntriesCount(); i++) {
            Entry e = m.getEntries(i);
            if (e.getType() == EntryType.EntryConfChange || e.getType() == EntryType.EntryConfChangeV2) {
                if (newPendingConfIndex > r.log.applied()) {
                    // one change at a time: the earlier one is not applied yet; the entry keeps
                    // its place in the log but carries nothing (the proposer times out)
                    r.logger.info("{} ignoring conf change {} at index {}: pending change at {} not applied",
                            r.id, i, r.log.lastIndex() + i + 1, newPendingConfIndex);
                    e = Entry.getDefaultInstance();
                } else {
                    newPendingConfIndex = r.log.lastIndex() + i + 1;
                }
            }
            ents.add(e.toBuilder());
        }
        if (!appendEntry(ents)) {
            throw new ProposalDroppedException("leader " + r.id + " has too many uncommitted entries");
        }
        r.pendingConfIndex = newPendingConfIndex;
        bcastAppend();
    }

    /**
     * Stamps {@code ents} with our term and the next indexes and appends them to our log,
     * unless they would exceed the uncommitted size limit. Returns false if refused.
     */
    boolean appendEntry(List<Entry.Builder> ents) {
        long li = r.log.lastIndex();
        List<Entry> stamped = new ArrayList<>(ents.size());
        long size = 0;
        for (int i = 0; i < ents.size(); i++) {
            Entry e = ents.get(i).setTerm(r.term).setIndex(li + 1 + i).build();
            size += e.getData().size();
            stamped.add(e);
        }
        // an empty proposal, or the first one after a drain, is always admitted (no livelock)
        if (r.uncommittedSize > 0 && size > 0 && r.uncommittedSize + size > r.maxUncommittedSize) {
            r.logger.debug("{} appending new entries would exceed the uncommitted size limit", r.id);
            return false;
        }
        r.uncommittedSize += size;
        li = r.log.append(stamped);
        r.tracker.progress.get(r.id).maybeUpdate(li);
        // a single voter commits by itself
        maybeCommit();
        return true;
    }

    /** Called with the entries handed to the owner for applying: they are no longer uncommitted. */
    void reduceUncommittedSize(List<Entry> committed) {
        if (r.uncommittedSize == 0) {
            return;
        }
        long size = 0;
        for (Entry e : committed) {
            size += e.getData().size();
        }
        r.uncommittedSize = size > r.uncommittedSize ? 0 : r.uncommittedSize - size;
    }

    // ---- replication ----

    /** Advances the commit index to the quorum's match, if that entry is of our term. */
    boolean maybeCommit() {
        return r.log.maybeCommit(r.tracker.committed(), r.term);
    }

    void bcastAppend() {
        r.tracker.progress.keySet().forEach(id -> {
            if (id != r.id) {
                maybeSendAppend(id, true);
            }
        });
    }

    void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends the next append (or a snapshot if the needed entries are compacted) to {@code to},
     * unless its progress is paused. With {@code sendIfEmpty} false, nothing is sent when
     * there are no new entries (used to fill the pipeline).
     *
     * @return whether a message was sent
     */
    boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = r.tracker.progress.get(to);
        // paused: a probe is outstanding, the inflight window is full, or a snapshot is on its
        // way; sending more would only duplicate work the follower will reject or ignore
        if (pr == null || pr.isPaused()) {
            return false;
        }
        Message.Builder m = Message.newBuilder().setTo(to);
        long prevTerm;
        List<Entry> ents;
        try {
            prevTerm = r.log.term(pr.next - 1);
            ents = r.log.entries(pr.next, r.maxMsgSize);
        } catch (CompactedException e) {
            // the entries the follower needs are gone from our log: only a snapshot helps
            return sendSnapshot(to, pr, m);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        m.setType(MessageType.MsgApp).setIndex(pr.next - 1).setLogTerm(prevTerm)
                .addAllEntries(ents).setCommit(r.log.committed());
        if (!ents.isEmpty()) {
            long last = ents.get(ents.size() - 1).getIndex();
            // replicate: assume success and move on (pipelining), counting the message against
            // the window; probe: one message at a time until the follower answers
            switch (pr.state) {
                case REPLICATE -> {
                    pr.optimisticUpdate(last);
                    pr.inflights.add(last);
                }
                case PROBE -> pr.probeSent = true;
                default -> throw new IllegalStateException(r.id + " sending append in state " + pr.state);
            }
        }
        r.send(m);
        return true;
    }

    private boolean sendSnapshot(long to, Progress pr, Message.Builder m) {
        if (!pr.recentActive) {
            // do not ship a snapshot to a node that may be down; it will ask again
            r.logger.debug("{} ignore sending snapshot to {} since it is not recently active", r.id, to);
            return false;
        }
        Snapshot snap;
        try {
            snap = r.log.snapshot();
        } catch (SnapshotTemporarilyUnavailableException e) {
            r.logger.debug("{} failed to send snapshot to {}: temporarily unavailable", r.id, to);
            return false;
        }
        if (snap.getMetadata().getIndex() == 0) {
            throw new IllegalStateException("need non-empty snapshot");
        }
        r.logger.debug("{} [firstindex: {}, commit: {}] sent snapshot[index: {}, term: {}] to {} [{}]",
                r.id, r.log.firstIndex(), r.log.committed(), snap.getMetadata().getIndex(),
                snap.getMetadata().getTerm(), to, pr);
        pr.becomeSnapshot(snap.getMetadata().getIndex());
        r.send(m.setType(MessageType.MsgSnap).setSnapshot(snap));
        return true;
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.recentActive = true;
        if (m.getReject()) {
            r.logger.debug("{} received MsgAppResp(rejected, hint: (index {}, term {})) from {} for index {}",
                    r.id, m.getRejectHint(), m.getLogTerm(), m.getFrom(), m.getIndex());
            long nextProbe = m.getRejectHint();
            if (m.getLogTerm() > 0) {
                // the follower's entry at the hint has term logTerm: skip our entries of greater
                // terms too, which cannot match (one round trip per term instead of per entry)
                nextProbe = r.log.findConflictByTerm(m.getRejectHint(), m.getLogTerm());
            }
            if (pr.maybeDecrTo(m.getIndex(), nextProbe)) {
                if (pr.state == Progress.State.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.getFrom());
            }
            return;
        }
        if (m.getIndex() > r.log.lastIndex()) {
            // no follower holds more than we sent it; counting such an ack would commit entries
            // that no quorum holds (etcd-raft takes it: one bad peer message could do that)
            r.logger.warn("{} ignored MsgAppResp from {} for index {}: beyond its last index {}",
                    r.id, m.getFrom(), m.getIndex(), r.log.lastIndex());
            return;
        }
        boolean oldPaused = pr.isPaused();
        boolean updated = pr.maybeUpdate(m.getIndex());
        // An ack at exactly match still answers a probe (an empty one, sent after the follower
        // was reported unreachable): the logs agree there, so replication can resume. Not if
        // match is below our log, though: that needs a snapshot, and a follower that refused
        // one (e.g. it is not in its ConfState) would otherwise bounce snapshot and ack back
        // and forth without pause; it waits for the next heartbeat instead.
        boolean probeAnswered = pr.state == Progress.State.PROBE && pr.match == m.getIndex()
                && pr.match + 1 >= r.log.firstIndex();
        if (!updated && !probeAnswered) {
            // a duplicate or reordered ack for something already acknowledged
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match + 1 >= r.log.firstIndex()) {
                    // the follower holds everything up to our first entry (the snapshot, or
                    // appends that made it unnecessary): plain appends work again
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights.freeLE(m.getIndex());
            default -> {
            }
        }
        if (maybeCommit()) {
            releasePendingReadIndexMessages();
            bcastAppend();
        } else if (oldPaused) {
            // the follower was paused and is not any more: it may be missing entries
            sendAppend(m.getFrom());
        }
        // fill the pipeline with whatever is left, as far as flow control allows
        while (maybeSendAppend(m.getFrom(), false)) {
            // keep sending
        }
        if (m.getFrom() == r.leadTransferee && pr.match == r.log.lastIndex()) {
            r.logger.info("{} sent MsgTimeoutNow to {} after it caught up", r.id, m.getFrom());
            sendTimeoutNow(m.getFrom());
        }
    }

    // ---- heartbeats ----

    void bcastHeartbeat() {
        bcastHeartbeatWithCtx(r.readOnly.lastPendingRequestCtx());
    }

    private void bcastHeartbeatWithCtx(ByteString ctx) {
        r.tracker.progress.forEach((id, pr) -> {
            if (id == r.id) {
                return;
            }
            // never tell a follower to commit beyond what it is known to hold: its log may
            // still have a conflicting tail there
            long commit = Math.min(pr.match, r.log.committed());
            r.send(Message.newBuilder().setTo(id).setType(MessageType.MsgHeartbeat)
                    .setCommit(commit).setContext(ctx));
        });
    }

    /**
     * A heartbeat answer proves the follower alive (check-quorum, probing) and, with a read
     * context, acknowledges our leadership for the reads queued up to that context.
     */
    private void handleHeartbeatResponse(Message m, Progress pr) {
        pr.recentActive = true;
        pr.probeSent = false;
        // the follower is alive; if its window is full, acks were perhaps lost: free a slot
        if (pr.state == Progress.State.REPLICATE && pr.inflights.full()) {
            pr.inflights.freeFirstOne();
        }
        if (pr.match < r.log.lastIndex()) {
            sendAppend(m.getFrom());
        }
        if (r.readOnly.option != ReadOnlyOption.SAFE || m.getContext().isEmpty()) {
            return;
        }
        Set<Long> acks = r.readOnly.recvAck(m.getFrom(), m.getContext());
        if (acks == null || !r.tracker.hasQuorum(acks)) {
            return;
        }
        releaseReads(m.getContext());
        // reads queued during this round get the next round now
        if (!r.readOnly.isEmpty()) {
            startReadRound(r.readOnly.lastPendingRequestCtx());
        }
    }

    // ---- read index ----

    /** Serves a read request, from our owner (From 0) or forwarded by a follower. */
    private void readIndex(Message m) {
        if (r.tracker.isSingleton()) {
            // a single voter is the quorum: its commit index is linearizable as is
            respondToReadIndex(m, r.log.committed());
            return;
        }
        if (!committedEntryInCurrentTerm()) {
            // until an entry of our term commits, our commit index may lag behind the true one
            // (§8 of the paper): hold the read
            r.pendingReadIndexMessages.add(m);
            return;
        }
        serveReadIndex(m);
    }

    private boolean committedEntryInCurrentTerm() {
        return r.log.termOrZero(r.log.committed()) == r.term;
    }

    private void serveReadIndex(Message m) {
        if (r.readOnly.option == ReadOnlyOption.LEASE_BASED) {
            respondToReadIndex(m, r.log.committed());
            return;
        }
        ByteString ctx = m.getEntries(0).getData();
        boolean roundUnderWay = !r.readOnly.isEmpty();
        r.readOnly.addRequest(r.log.committed(), m);
        Set<Long> acks = r.readOnly.recvAck(r.id, ctx);
        if (acks != null && r.tracker.hasQuorum(acks)) {
            // a single voter (with learners) confirms its own leadership
            releaseReads(ctx);
            return;
        }
        if (!roundUnderWay) {
            startReadRound(ctx);
        }
        // else: batched into the round that starts when the current one completes
    }

    private void releaseReads(ByteString ackedCtx) {
        for (ReadOnly.ReadIndexStatus rs : r.readOnly.advance(ackedCtx)) {
            respondToReadIndex(rs.request, rs.index);
        }
    }

    private void startReadRound(ByteString ctx) {
        bcastHeartbeatWithCtx(ctx);
    }

    private void releasePendingReadIndexMessages() {
        if (r.pendingReadIndexMessages.isEmpty() || !committedEntryInCurrentTerm()) {
            return;
        }
        List<Message> held = new ArrayList<>(r.pendingReadIndexMessages);
        r.pendingReadIndexMessages.clear();
        for (Message m : held) {
            serveReadIndex(m);
        }
    }

    /** A local request becomes a ReadState; a follower's gets a MsgReadIndexResp. */
    private void respondToReadIndex(Message req, long index) {
        if (req.getFrom() == Raft.NONE || req.getFrom() == r.id) {
            r.readStates.add(new ReadState(index, req.getEntries(0).getData()));
            return;
        }
        r.send(Message.newBuilder().setTo(req.getFrom()).setType(MessageType.MsgReadIndexResp)
                .setIndex(index).addAllEntries(req.getEntriesList()));
    }

    // ---- leadership transfer ----

    private void transferLeader(long transferee, Progress pr) {
        if (pr.isLearner) {
            r.logger.debug("{} is a learner; ignored transferring leadership", transferee);
            return;
        }
        if (r.leadTransferee != Raft.NONE) {
            if (r.leadTransferee == transferee) {
                return;
            }
            abortLeaderTransfer();
        }
        if (transferee == r.id) {
            return;
        }
        // the transfer must finish within an election timeout (see tickHeartbeat)
        r.electionElapsed = 0;
        r.leadTransferee = transferee;
        r.logger.info("{} [term {}] starts to transfer leadership to {}", r.id, r.term, transferee);
        if (pr.match == r.log.lastIndex()) {
            sendTimeoutNow(transferee);
        } else {
            // catch it up first; TimeoutNow follows when its append response shows it caught up
            sendAppend(transferee);
        }
    }

    private void sendTimeoutNow(long to) {
        r.send(Message.newBuilder().setTo(to).setType(MessageType.MsgTimeoutNow));
    }

    // ---- membership ----

    /** After a conf change: the quorum may have shrunk, new members need their first append. */
    void afterConfChange() {
        if (r.tracker.voters.isEmpty()) {
            return;
        }
        if (maybeCommit()) {
            bcastAppend();
        } else {
            r.tracker.progress.keySet().forEach(id -> {
                if (id != r.id) {
                    maybeSendAppend(id, false);
                }
            });
        }
        if (r.leadTransferee != Raft.NONE && !r.tracker.isVoter(r.leadTransferee)) {
            abortLeaderTransfer();
        }
    }
}
