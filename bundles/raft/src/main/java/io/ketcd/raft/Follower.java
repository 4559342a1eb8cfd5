package io.ketcd.raft;

import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.ReadState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

/**
 * The follower's step function: accept the leader's appends (§5.3), heartbeats and
 * snapshots; forward proposals, read requests and transfer requests to the leader; start a
 * transfer election on MsgTimeoutNow.
 */
final class Follower implements Raft.RoleStep {

    private final Raft r;

    Follower(Raft r) {
        this.r = r;
    }

    @Override
    public void step(Message m) {
        switch (m.getType()) {
            case MsgProp -> {
                if (r.lead == Raft.NONE) {
                    throw new ProposalDroppedException(
                            r.id + " has no leader at term " + r.term + "; dropping proposal");
                }
                if (r.disableProposalForwarding) {
                    throw new ProposalDroppedException(
                            r.id + " not forwarding to leader " + r.lead + " at term " + r.term);
                }
                // every message we emit names us as sender; the leader does not care who
                // proposed an entry
                r.send(m.toBuilder().setTo(r.lead).setFrom(r.id).setTerm(0));
            }
            case MsgApp -> {
                heardFromLeader(m);
                handleAppendEntries(m);
            }
            case MsgHeartbeat -> {
                heardFromLeader(m);
                handleHeartbeat(m);
            }
            case MsgSnap -> {
                heardFromLeader(m);
                handleSnapshot(m);
            }
            case MsgTransferLeader -> {
                if (r.lead == Raft.NONE) {
                    r.logger.info("{} no leader at term {}; dropping leader transfer msg", r.id, r.term);
                    return;
                }
                if (m.getFrom() != r.id) {
                    // the leader reads the sender as the transferee; we can only ask for ourselves
                    r.logger.info("{} not forwarding transfer to {}: only the leader can transfer to another node",
                            r.id, m.getFrom());
                    return;
                }
                r.send(m.toBuilder().setTerm(0).setTo(r.lead));
            }
            case MsgTimeoutNow -> {
                // the leader chose us: campaign now, without pre-vote and despite leases
                r.logger.info("{} [term {}] received MsgTimeoutNow from {} and starts an election",
                        r.id, r.term, m.getFrom());
                r.hup(Raft.CampaignType.TRANSFER);
            }
            case MsgReadIndex -> {
                if (r.lead == Raft.NONE) {
                    r.logger.info("{} no leader at term {}; dropping index reading msg", r.id, r.term);
                    return;
                }
                if (m.getFrom() != Raft.NONE && m.getFrom() != r.id) {
                    // a peer took us for the leader; the answer must go to that peer, which a
                    // re-forward could not express: drop it, the requester retries
                    r.logger.info("{} dropping index reading msg from {}: not the leader", r.id, m.getFrom());
                    return;
                }
                // term 0: a read request is local to the leader, whatever term we are at
                r.send(m.toBuilder().setTo(r.lead).setTerm(0));
            }
            case MsgReadIndexResp -> {
                if (m.getEntriesCount() != 1) {
                    r.logger.warn("{} invalid format of MsgReadIndexResp from {}, entries count: {}",
                            r.id, m.getFrom(), m.getEntriesCount());
                    return;
                }
                r.readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
            }
            default -> {
            }
        }
    }

    private void heardFromLeader(Message m) {
        r.electionElapsed = 0;
        r.lead = m.getFrom();
    }

    /** §5.3: append if our log matches at the leader's (index, logTerm), else reject with a hint. */
    void handleAppendEntries(Message m) {
        if (m.getIndex() < r.log.committed()) {
            // everything up to our commit index is settled; tell the leader where we are
            r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp)
                    .setIndex(r.log.committed()));
            return;
        }
        long lastNew = r.log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
        if (lastNew >= 0) {
            r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp).setIndex(lastNew));
            return;
        }
        // Reject with a hint: the largest index <= the probed one whose term is <= the probed
        // term. Entries above it cannot match, so the leader skips them in one round trip.
        long hintIndex = Math.min(m.getIndex(), r.log.lastIndex());
        hintIndex = r.log.findConflictByTerm(hintIndex, m.getLogTerm());
        long hintTerm = r.log.termOrZero(hintIndex);
        r.logger.debug("{} [logterm: {}, index: {}] rejected MsgApp [logterm: {}, index: {}] from {}",
                r.id, r.log.termOrZero(m.getIndex()), m.getIndex(), m.getLogTerm(), m.getIndex(), m.getFrom());
        r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp)
                .setIndex(m.getIndex()).setReject(true).setRejectHint(hintIndex).setLogTerm(hintTerm));
    }

    void handleHeartbeat(Message m) {
        // the leader sends min(our match, its commit), so this index is in our log; one past our
        // log comes from no correct leader (etcd-raft panics): committing it would corrupt the
        // log, and stopping would let one bad message stop the node, so the index is ignored
        if (m.getCommit() > r.log.lastIndex()) {
            r.logger.warn("{} ignored the commit index {} of a heartbeat from {}: beyond its last index {}",
                    r.id, m.getCommit(), m.getFrom(), r.log.lastIndex());
        } else {
            r.log.commitTo(m.getCommit());
        }
        r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgHeartbeatResp)
                .setContext(m.getContext()));
    }

    void handleSnapshot(Message m) {
        if (r.restore(m.getSnapshot())) {
            r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp)
                    .setIndex(r.log.lastIndex()));
        } else {
            r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp)
                    .setIndex(r.log.committed()));
        }
    }
}
