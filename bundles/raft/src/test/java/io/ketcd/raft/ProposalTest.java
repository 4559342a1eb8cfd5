package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

/** Where proposals go, and when they are dropped. */
class ProposalTest {

    @Test
    void followerForwardsProposalsToTheLeader() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(3).propose("fwd");
        net.stabilize();
        assertThat(net.traced(MessageType.MsgProp)).singleElement().satisfies(m -> {
            assertThat(m.getFrom()).isEqualTo(3);
            assertThat(m.getTo()).isEqualTo(1);
        });
        assertThat(net.node(1).appliedData()).containsExactly("fwd");
    }

    @Test
    void proposalWithoutKnownLeaderIsDropped() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        assertThatThrownBy(() -> n.propose("x")).isInstanceOf(ProposalDroppedException.class);
        n.node.campaign();
        assertThatThrownBy(() -> n.propose("x")).as("a candidate has no leader either")
                .isInstanceOf(ProposalDroppedException.class);
    }

    @Test
    void disabledForwardingDropsProposalsOnFollowers() {
        TestNetwork net = TestNetwork.configured(3, c -> {
            c.disableProposalForwarding(true);
        });
        net.elect(1);
        assertThatThrownBy(() -> net.node(2).propose("x")).isInstanceOf(ProposalDroppedException.class);
        net.node(1).propose("ok");
        net.stabilize();
        assertThat(net.node(2).appliedData()).containsExactly("ok");
    }

    @Test
    void uncommittedSizeLimitDropsProposalsUntilEntriesCommit() {
        TestNetwork net = TestNetwork.configured(3, c -> {
            c.maxUncommittedEntriesSize(10);
        });
        net.elect(1);
        net.isolate(2);
        net.isolate(3);
        TestNode leader = net.node(1);
        leader.node.propose(ByteString.copyFrom(new byte[8]));
        leader.node.propose(ByteString.copyFrom(new byte[2]));
        assertThatThrownBy(() -> leader.node.propose(ByteString.copyFrom(new byte[1])))
                .isInstanceOf(ProposalDroppedException.class);
        // empty proposals are always admitted
        leader.node.propose(ByteString.EMPTY);

        net.heal();
        net.stabilize();
        net.tickAll(1);
        assertThat(leader.raft().uncommittedSize).as("committed entries no longer count").isZero();
        leader.node.propose(ByteString.copyFrom(new byte[9]));
        assertThat(leader.raft().uncommittedSize).isEqualTo(9);
    }

    @Test
    void aSingleProposalOverTheLimitIsAdmittedWhenNothingIsUncommitted() {
        TestNode n = TestNode.create(1, c -> {
            c.maxUncommittedEntriesSize(4);
        }, 1, 2, 3);
        n.node.campaign();
        n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(2).setTo(1).setTerm(1).build());
        n.node.propose(ByteString.copyFrom(new byte[100]));
        assertThat(n.raft().uncommittedSize).isEqualTo(100);
    }

    @Test
    void forwardedProposalDroppedByPeerDoesNotThrow() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.step(Message.newBuilder().setType(MessageType.MsgProp).setFrom(2).setTo(1)
                .addEntries(io.ketcd.proto.raftpb.Entry.newBuilder().setData(ByteString.copyFromUtf8("x"))).build());
        assertThat(n.drain()).isEmpty();
    }

    @Test
    void localMessageTypesAreRefusedFromPeers() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        assertThatThrownBy(() -> n.node.step(Message.newBuilder().setType(MessageType.MsgHup).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
