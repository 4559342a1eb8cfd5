package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

/** PreVote and CheckQuorum: the two guards against disruptive and stale leaders. */
class ElectionFeaturesTest {

    private static TestNetwork cluster(boolean preVote, boolean checkQuorum) {
        return TestNetwork.configured(3, c -> {
            c.preVote(preVote);
            c.checkQuorum(checkQuorum);
        });
    }

    @Test
    void preVoteKeepsAnIsolatedNodeFromRaisingItsTerm() {
        TestNetwork net = cluster(true, false);
        net.elect(1);
        long term = net.node(1).raft().term;
        net.isolate(3);
        for (int i = 0; i < 100; i++) {
            net.node(3).node.tick();
            net.stabilize();
        }
        assertThat(net.node(3).raft().term).as("pre-votes are lost: no term bump").isEqualTo(term);
        assertThat(net.node(3).raft().role).isEqualTo(RaftRole.PRE_CANDIDATE);

        net.heal();
        net.tickAll(5);
        assertThat(net.node(1).raft().role).as("the rejoining node did not disrupt the leader").isEqualTo(RaftRole.LEADER);
        assertThat(net.node(1).raft().term).isEqualTo(term);
        assertThat(net.node(3).raft().role).isEqualTo(RaftRole.FOLLOWER);
    }

    @Test
    void withoutPreVoteAnIsolatedNodeDisruptsTheLeaderOnReturn() {
        TestNetwork net = cluster(false, false);
        net.elect(1);
        net.isolate(3);
        for (int i = 0; i < 100; i++) {
            net.node(3).node.tick();
            net.stabilize();
        }
        long inflated = net.node(3).raft().term;
        assertThat(inflated).isGreaterThan(1);
        net.heal();
        // node 3's next election timeout sends vote requests of a higher term to everyone
        for (int i = 0; i < 20; i++) {
            net.node(3).node.tick();
            net.stabilize();
        }
        assertThat(net.node(1).raft().term).as("the old leader was forced to a new term").isGreaterThan(inflated);
        assertThat(net.node(1).raft().role).isNotEqualTo(RaftRole.LEADER);
    }

    @Test
    void preVoteIsAskedForTheNextTermWithoutChangingTermOrVote() {
        TestNode n = TestNode.create(1, c -> {
            c.preVote(true);
        }, 1, 2, 3);
        n.node.campaign();
        assertThat(n.raft().role).isEqualTo(RaftRole.PRE_CANDIDATE);
        assertThat(n.raft().term).isZero();
        assertThat(n.raft().vote).isZero();
        assertThat(n.drain()).filteredOn(m -> m.getType() == MessageType.MsgPreVote)
                .extracting(Message::getTerm).containsExactly(1L, 1L);

        n.node.step(Message.newBuilder().setType(MessageType.MsgPreVoteResp).setFrom(2).setTo(1).setTerm(1).build());

        assertThat(n.raft().role).as("pre-vote won: real election").isEqualTo(RaftRole.CANDIDATE);
        assertThat(n.raft().term).isEqualTo(1);
        assertThat(n.raft().vote).isEqualTo(1);
    }

    @Test
    void preCandidateFallsBackToFollowerWhenRejectedByMajority() {
        TestNode n = TestNode.create(1, c -> {
            c.preVote(true);
        }, 1, 2, 3);
        n.node.campaign();
        n.node.step(Message.newBuilder().setType(MessageType.MsgPreVoteResp).setFrom(2).setTo(1).setTerm(0)
                .setReject(true).build());
        n.node.step(Message.newBuilder().setType(MessageType.MsgPreVoteResp).setFrom(3).setTo(1).setTerm(0)
                .setReject(true).build());
        assertThat(n.raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.raft().term).isZero();
    }

    @Test
    void checkQuorumMakesAnIsolatedLeaderStepDown() {
        TestNetwork net = cluster(false, true);
        net.elect(1);
        net.isolate(1);
        for (int i = 0; i < 2 * 10 + 1; i++) {
            net.node(1).node.tick();
            net.stabilize();
        }
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(net.node(1).raft().lead).isZero();
    }

    @Test
    void checkQuorumKeepsALeaderThatHearsFromAQuorum() {
        TestNetwork net = cluster(false, true);
        net.elect(1);
        net.isolate(3);
        for (int i = 0; i < 50; i++) {
            net.node(1).node.tick();
            net.node(2).node.tick();
            net.stabilize();
        }
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.LEADER);
    }

    @Test
    void followerInLeaseIgnoresVoteRequests() {
        TestNetwork net = cluster(false, true);
        net.elect(1);
        long term = net.node(2).raft().term;

        net.node(2).node.step(Message.newBuilder().setType(MessageType.MsgVote).setFrom(3).setTo(2).setTerm(term + 1)
                .setIndex(100).setLogTerm(term).build());

        assertThat(net.node(2).raft().term).as("the vote request was ignored").isEqualTo(term);
        assertThat(net.node(2).drain()).isEmpty();
    }

    @Test
    void followerOutOfLeaseGrantsVotes() {
        TestNetwork net = cluster(false, true);
        net.elect(1);
        long term = net.node(2).raft().term;
        // one election timeout without hearing from the leader ends the lease
        net.isolate(1);
        for (int i = 0; i < 10; i++) {
            net.node(2).node.tick();
        }
        net.node(2).node.step(Message.newBuilder().setType(MessageType.MsgVote).setFrom(3).setTo(2).setTerm(term + 1)
                .setIndex(100).setLogTerm(term).build());
        assertThat(net.node(2).raft().term).isEqualTo(term + 1);
        assertThat(net.node(2).raft().vote).isEqualTo(3);
    }

    @Test
    void staleLeaderLearnsNewTermFromAppendResponseWithCheckQuorum() {
        TestNetwork net = cluster(false, true);
        net.elect(1);
        net.isolate(1);
        net.elect(2);
        assertThat(net.node(2).raft().term).isEqualTo(2);
        net.heal();
        // the old leader's heartbeat at term 1 gets an answer at term 2: it steps down
        net.node(1).node.tick();
        net.stabilize();
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(net.node(1).raft().term).isEqualTo(2);
    }

    @Test
    void singleNodeBecomesLeaderAlone() {
        TestNode n = TestNode.create(1, c -> {
            c.preVote(true);
        }, 1);
        n.node.campaign();
        assertThat(n.raft().role).isEqualTo(RaftRole.LEADER);
        n.propose("x");
        n.drain();
        assertThat(n.appliedData()).containsExactly("x");
    }

    @Test
    void followerWithUnappliedConfChangeDoesNotCampaign() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).node.proposeConfChange(io.ketcd.proto.raftpb.ConfChange.newBuilder()
                .setType(io.ketcd.proto.raftpb.ConfChangeType.ConfChangeAddLearnerNode).setNodeId(4).build());
        // deliver the entry and its commit to node 2, but do not let node 2 apply it
        TestNode two = net.node(2);
        Message app = net.node(1).drain().stream().filter(m -> m.getTo() == 2).findFirst().orElseThrow();
        two.node.step(app.toBuilder().setCommit(app.getEntries(0).getIndex()).build());
        assertThat(two.raft().log.committed()).isGreaterThan(two.raft().log.applied());
        two.node.campaign();
        assertThat(two.raft().role).isEqualTo(RaftRole.FOLLOWER);
    }
}
