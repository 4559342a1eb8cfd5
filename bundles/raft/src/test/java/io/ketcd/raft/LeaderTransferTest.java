package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

/** Leadership transfer: catch the transferee up, then MsgTimeoutNow. */
class LeaderTransferTest {

    private static TestNetwork cluster() {
        return TestNetwork.configured(3, c -> {
            c.checkQuorum(true);
            c.preVote(true);
        });
    }

    @Test
    void transferToUpToDateFollower() {
        TestNetwork net = cluster();
        net.elect(1);
        net.node(1).node.transferLeader(2);
        net.stabilize();
        assertThat(net.node(2).raft().role).as("TimeoutNow overrides the followers' lease").isEqualTo(RaftRole.LEADER);
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(net.node(1).raft().lead).isEqualTo(2);
        assertThat(net.traced(MessageType.MsgTimeoutNow)).hasSize(1);
    }

    @Test
    void laggingTransfereeIsCaughtUpFirst() {
        TestNetwork net = cluster();
        net.elect(1);
        net.isolate(3);
        net.node(1).propose("a");
        net.node(1).propose("b");
        net.stabilize();
        net.heal();
        net.node(1).node.transferLeader(3);
        net.stabilize();
        assertThat(net.node(3).raft().role).isEqualTo(RaftRole.LEADER);
        assertThat(net.node(3).appliedData()).containsExactly("a", "b");
    }

    @Test
    void proposalsAreDroppedDuringTransferAndTransferIsAbortedAfterElectionTimeout() {
        TestNetwork net = cluster();
        net.elect(1);
        net.isolate(3);
        net.node(1).node.transferLeader(3);
        net.stabilize();
        assertThat(net.node(1).raft().leadTransferee).isEqualTo(3);
        assertThatThrownBy(() -> net.node(1).propose("x")).isInstanceOf(ProposalDroppedException.class);

        for (int i = 0; i < 10; i++) {
            net.node(1).node.tick();
            net.node(2).node.tick();
            net.stabilize();
        }
        assertThat(net.node(1).raft().leadTransferee).isZero();
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.LEADER);
        net.node(1).propose("y");
        net.stabilize();
        assertThat(net.node(2).appliedData()).containsExactly("y");
    }

    @Test
    void followerForwardsItsOwnTransferRequest() {
        TestNetwork net = cluster();
        net.elect(1);
        net.node(2).node.transferLeader(2);
        net.stabilize();
        assertThat(net.node(2).raft().role).isEqualTo(RaftRole.LEADER);
    }

    @Test
    void transferToLearnerOrSelfIsIgnored() {
        TestNetwork net = cluster();
        net.elect(1);
        net.node(1).node.transferLeader(1);
        net.stabilize();
        assertThat(net.node(1).raft().leadTransferee).isZero();
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.LEADER);
    }
}
