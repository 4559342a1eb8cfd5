package io.ketcd.raft;

import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

/**
 * The step function of candidates and pre-candidates: count votes (§5.2), and yield to a
 * leader of the current term (§5.2: "if AppendEntries received from new leader: convert to
 * follower").
 */
final class Candidate implements Raft.RoleStep {

    private final Raft r;

    Candidate(Raft r) {
        this.r = r;
    }

    @Override
    public void step(Message m) {
        // only answers to our own kind of request count: a pre-candidate ignores stray
        // MsgVoteResp and vice versa
        MessageType myVoteResp = r.role == RaftRole.PRE_CANDIDATE
                ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
        switch (m.getType()) {
            // no leader during an election: the owner retries once one is known
            case MsgProp -> throw new ProposalDroppedException(
                    "no leader at term " + r.term + "; dropping proposal");
            case MsgApp -> {
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.follower.handleAppendEntries(m);
            }
            case MsgHeartbeat -> {
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.follower.handleHeartbeat(m);
            }
            case MsgSnap -> {
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.follower.handleSnapshot(m);
            }
            // already campaigning: a transfer request adds nothing
            case MsgTimeoutNow -> r.logger.debug("{} [term {} state {}] ignored MsgTimeoutNow from {}",
                    r.id, r.term, r.role, m.getFrom());
            default -> {
                if (m.getType() == myVoteResp) {
                    handleVoteResponse(m);
                }
            }
        }
    }

    private void handleVoteResponse(Message m) {
        ProgressTracker.VoteResult res = r.tracker.recordVote(m.getFrom(), !m.getReject());
        r.logger.info("{} has received {} {} votes and {} vote rejections",
                r.id, r.tracker.grantedVotes(), m.getType(), r.tracker.rejectedVotes());
        switch (res) {
            case WON -> {
                if (r.role == RaftRole.PRE_CANDIDATE) {
                    r.campaign(Raft.CampaignType.ELECTION);
                } else {
                    r.becomeLeader();
                    r.leader.bcastAppend();
                }
            }
            case LOST ->
                // a rejection with a higher term already made us a follower at that term;
                // here our term stands (a lost pre-vote never raised it)
                r.becomeFollower(r.term, Raft.NONE);
            default -> {
            }
        }
    }
}
