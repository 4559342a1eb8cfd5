package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

/** Single-step membership changes through the log, and learners. */
class MembershipTest {

    private static ConfChange cc(ConfChangeType type, long node) {
        return ConfChange.newBuilder().setType(type).setNodeId(node).build();
    }

    /** A 3-node cluster with leader 1, plus an empty node {@code extra} that knows no members. */
    private static TestNetwork clusterWithSpare(long extra) {
        TestNetwork net = TestNetwork.of(3);
        net.nodes.put(extra, new TestNode(TestNode.config(extra), new MemoryStorage()));
        net.elect(1);
        return net;
    }

    @Test
    void addedVoterCatchesUpAndCountsForQuorum() {
        TestNetwork net = clusterWithSpare(4);
        net.node(1).propose("before");
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddNode, 4));
        net.stabilize();
        assertThat(net.node(1).confState.getVotersList()).containsExactly(1L, 2L, 3L, 4L);

        net.node(1).propose("after");
        net.stabilize();
        assertThat(net.node(4).appliedData()).containsExactly("before", "after");

        // with 4 voters a quorum is 3: two failures block commitment
        net.isolate(3);
        net.isolate(4);
        net.node(1).propose("blocked");
        net.stabilize();
        assertThat(net.node(1).appliedData()).doesNotContain("blocked");
    }

    @Test
    void removingAVoterShrinksTheQuorum() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeRemoveNode, 3));
        net.stabilize();
        assertThat(net.node(1).confState.getVotersList()).containsExactly(1L, 2L);

        net.isolate(3);
        net.node(1).propose("x");
        net.stabilize();
        assertThat(net.node(1).appliedData()).containsExactly("x");
        assertThat(net.node(1).raft().tracker.progress).doesNotContainKey(3L);
    }

    @Test
    void learnerReplicatesButNeverVotesNorCountsForQuorum() {
        TestNetwork net = clusterWithSpare(4);
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4));
        net.stabilize();
        assertThat(net.node(1).confState.getLearnersList()).containsExactly(4L);

        net.node(1).propose("x");
        net.stabilize();
        assertThat(net.node(4).appliedData()).containsExactly("x");

        // quorum of 3 voters is 2: the learner's ack is not enough with two voters down
        net.isolate(2);
        net.isolate(3);
        net.node(1).propose("y");
        net.stabilize();
        assertThat(net.node(1).appliedData()).doesNotContain("y");
        assertThat(net.node(4).raft().log.lastIndex()).isEqualTo(net.node(1).raft().log.lastIndex());

        // a learner does not campaign, even after many election timeouts
        net.heal();
        net.isolate(1);
        for (int i = 0; i < 100; i++) {
            net.node(4).node.tick();
        }
        assertThat(net.node(4).raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(net.node(4).drain()).noneMatch(m -> m.getType() == MessageType.MsgVote);
    }

    @Test
    void candidateDoesNotAskLearnersForVotes() {
        TestNetwork net = clusterWithSpare(4);
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4));
        net.stabilize();
        net.node(2).node.campaign();
        assertThat(net.node(2).drain()).filteredOn(m -> m.getType() == MessageType.MsgVote)
                .extracting(Message::getTo).containsExactly(1L, 3L);
    }

    @Test
    void learnerIsPromotedByAddNode() {
        TestNetwork net = clusterWithSpare(4);
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4));
        net.stabilize();
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddNode, 4));
        net.stabilize();
        assertThat(net.node(1).confState.getVotersList()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(net.node(1).confState.getLearnersList()).isEmpty();
        assertThat(net.node(4).raft().isLearner).isFalse();
        assertThat(net.node(4).raft().promotable()).isTrue();
    }

    @Test
    void secondConfChangeIsRefusedWhileOneIsPending() {
        TestNetwork net = clusterWithSpare(4);
        net.nodes.put(5L, new TestNode(TestNode.config(5), new MemoryStorage()));
        // both proposed before the first one is applied
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4));
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 5));
        net.stabilize();
        assertThat(net.node(1).confState.getLearnersList()).containsExactly(4L);
        long confEntries = net.node(1).applied.stream().filter(e -> e.getType() == EntryType.EntryConfChange).count();
        assertThat(confEntries).as("the second became an empty normal entry").isEqualTo(1);

        // once applied, the next change is accepted
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 5));
        net.stabilize();
        assertThat(net.node(1).confState.getLearnersList()).containsExactly(4L, 5L);
    }

    @Test
    void confChangeRefusedForSizeDoesNotBlockTheNextOne() {
        TestNetwork net = TestNetwork.configured(3, c -> {
            c.maxUncommittedEntriesSize(4);
        });
        net.nodes.put(4L, new TestNode(TestNode.config(4), new MemoryStorage()));
        net.elect(1);
        net.isolate(2);
        net.isolate(3);
        net.node(1).node.propose(com.google.protobuf.ByteString.copyFromUtf8("fill"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4)))
                .isInstanceOf(io.ketcd.api.raft.ProposalDroppedException.class);
        net.heal();
        net.stabilize();
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeAddLearnerNode, 4));
        net.stabilize();
        assertThat(net.node(1).confState.getLearnersList()).containsExactly(4L);
    }

    @Test
    void removedLeaderStepsDownAndOthersElectANewOne() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).node.proposeConfChange(cc(ConfChangeType.ConfChangeRemoveNode, 1));
        net.stabilize();
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(net.node(2).confState.getVotersList()).as("followers applied the removal").containsExactly(2L, 3L);
        assertThat(net.node(1).raft().promotable()).isFalse();

        net.elect(2);
        net.node(2).propose("x");
        net.stabilize();
        assertThat(net.node(3).appliedData()).containsExactly("x");
    }

    @Test
    void confChangeWithoutNodeIdChangesNothing() {
        TestNode n = TestNode.create(1, 1, 2);
        assertThat(n.node.applyConfChange(ConfChange.getDefaultInstance()).getVotersList()).containsExactly(1L, 2L);
    }

    @Test
    void appliedConfChangeEntryDecodes() {
        Entry e = Entry.newBuilder().setType(EntryType.EntryConfChange)
                .setData(cc(ConfChangeType.ConfChangeRemoveNode, 7).toByteString()).build();
        assertThat(Raft.decodeConfChange(e).getNodeId()).isEqualTo(7);
    }
}
