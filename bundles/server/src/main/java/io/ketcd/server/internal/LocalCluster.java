package io.ketcd.server.internal;

import io.ketcd.api.raft.RaftStatus;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The cluster as this member sees it and proposes changes to it, for {@link MemberChanges}. */
final class LocalCluster implements MemberChanges.Cluster {
    private final long memberId;
    private final CurrentState state;
    private final RaftLoop raftLoop;
    private final Proposals proposals;
    private final PeerLink peerLink;

    LocalCluster(long memberId, CurrentState state, RaftLoop raftLoop, Proposals proposals, PeerLink peerLink) {
        this.memberId = memberId;
        this.state = state;
        this.raftLoop = raftLoop;
        this.proposals = proposals;
        this.peerLink = peerLink;
    }

    @Override
    public long memberId() {
        return memberId;
    }

    @Override
    public List<Member> members() {
        return state.members();
    }

    @Override
    public boolean isLeader() {
        return raftLoop.isLeader();
    }

    @Override
    public long leader() {
        return raftLoop.lead();
    }

    @Override
    public CompletableFuture<RaftStatus> raftStatus() {
        return raftLoop.status();
    }

    @Override
    public long nextRequestId() {
        return proposals.nextRequestId();
    }

    @Override
    public CompletableFuture<List<Member>> proposeConfChange(ConfChange cc) {
        return proposals.proposeConfChange(cc);
    }

    @Override
    public CompletableFuture<List<Member>> forwardPromote(long leader, long learner) {
        return peerLink.forwardPromote(leader, learner);
    }

    @Override
    public boolean activeFor(long peer, Duration d) {
        return peerLink.activeFor(peer, d);
    }
}
