package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

/** Snapshots: compaction, sending to a lagging follower, restore, restart from snapshot + tail. */
class SnapshotTest {

    /** Leader 1 of 3 with "a".."e" committed while 3 was isolated; the leader then compacts. */
    private static TestNetwork laggingFollowerAfterCompaction() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.isolate(3);
        for (String s : new String[] {"a", "b", "c", "d", "e"}) {
            net.node(1).propose(s);
        }
        net.stabilize();
        TestNode leader = net.node(1);
        long applied = leader.raft().log.applied();
        leader.storage.createSnapshot(applied, leader.confState, ByteString.copyFromUtf8("state@" + applied));
        leader.storage.compact(applied);
        return net;
    }

    @Test
    void laggingFollowerReceivesSnapshotThenTheTail() {
        TestNetwork net = laggingFollowerAfterCompaction();
        net.heal();
        net.node(1).propose("f");
        net.stabilize();

        assertThat(net.traced(MessageType.MsgSnap)).hasSize(1);
        TestNode f = net.node(3);
        assertThat(f.storage.snapshot().getData().toStringUtf8()).isEqualTo("state@6");
        assertThat(f.storage.firstIndex()).isEqualTo(7);
        assertThat(f.appliedData()).as("only the tail is applied as entries").containsExactly("f");
        assertThat(f.raft().log.committed()).isEqualTo(net.node(1).raft().log.committed());
        assertThat(net.node(1).raft().tracker.progress.get(3L).state).isEqualTo(Progress.State.REPLICATE);
    }

    @Test
    void failedSnapshotReportSendsProgressBackToProbe() {
        TestNetwork net = laggingFollowerAfterCompaction();
        net.drop = m -> m.getType() == MessageType.MsgSnap;
        net.heal();
        net.drop = m -> m.getType() == MessageType.MsgSnap;
        net.node(1).propose("f");
        net.stabilize();
        Progress pr = net.node(1).raft().tracker.progress.get(3L);
        assertThat(pr.state).isEqualTo(Progress.State.SNAPSHOT);
        assertThat(pr.pendingSnapshot).isEqualTo(6);

        net.node(1).node.reportSnapshot(3, true);
        assertThat(pr.state).isEqualTo(Progress.State.PROBE);
        assertThat(pr.pendingSnapshot).isZero();
        assertThat(pr.probeSent).as("waits for a heartbeat response before probing").isTrue();

        net.heal();
        net.tickAll(2);
        assertThat(net.node(3).appliedData()).contains("f");
    }

    @Test
    void successfulSnapshotReportResumesProbingAfterTheSnapshot() {
        TestNetwork net = laggingFollowerAfterCompaction();
        net.heal();
        net.drop = m -> m.getType() == MessageType.MsgSnap;
        net.node(1).propose("f");
        net.stabilize();
        net.node(1).node.reportSnapshot(3, false);
        Progress pr = net.node(1).raft().tracker.progress.get(3L);
        assertThat(pr.state).isEqualTo(Progress.State.PROBE);
        assertThat(pr.next).isEqualTo(7);
    }

    @Test
    void followerRefusingTheSnapshotIsRetriedOnlyAfterAHeartbeat() {
        // node 4 joins after the only snapshot was taken, so it is not in its ConfState and
        // refuses it; the leader must not bounce snapshot and ack back and forth without pause
        TestNetwork net = TestNetwork.of(3);
        net.nodes.put(4L, new TestNode(TestNode.config(4), new MemoryStorage()));
        net.elect(1);
        TestNode leader = net.node(1);
        leader.propose("a");
        net.stabilize();
        leader.storage.createSnapshot(2, leader.confState, ByteString.EMPTY);
        leader.storage.compact(2);
        leader.node.proposeConfChange(io.ketcd.proto.raftpb.ConfChange.newBuilder()
                .setType(io.ketcd.proto.raftpb.ConfChangeType.ConfChangeAddLearnerNode).setNodeId(4).build());
        net.stabilize();
        int snaps = net.traced(MessageType.MsgSnap).size();
        // the transport reports the snapshot delivered, then node 4's answer (at index 0) arrives
        leader.node.reportSnapshot(4, false);
        net.send(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(4).setTo(1)
                .setTerm(leader.raft().term).build());
        assertThat(net.traced(MessageType.MsgSnap)).as("no retry without a tick").hasSize(snaps);
        net.tickAll(1);
        assertThat(net.traced(MessageType.MsgSnap)).as("retried at the heartbeat").hasSize(snaps + 1);
    }

    @Test
    void nodeRestartsFromSnapshotAndLogTail() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).propose("a");
        net.node(1).propose("b");
        net.stabilize();
        TestNode old = net.node(2);
        old.storage.createSnapshot(2, old.confState, ByteString.copyFromUtf8("snap"));
        old.storage.compact(2);

        TestNode restarted = new TestNode(TestNode.config(2), old.storage);
        assertThat(restarted.raft().term).isEqualTo(old.raft().term);
        assertThat(restarted.raft().log.committed()).isEqualTo(3);
        assertThat(restarted.raft().log.applied()).as("up to the snapshot").isEqualTo(2);
        restarted.drain();
        assertThat(restarted.appliedData()).as("the tail after the snapshot is re-applied").containsExactly("b");
    }

    @Test
    void restartWithAppliedSkipsAppliedEntries() {
        MemoryStorage ms = MemoryStorage.withVoters(1, 2, 3);
        ms.append(TestNode.entries(1, 1, 1, 1));
        ms.setHardState(HardState.newBuilder().setTerm(1).setCommit(3).build());
        TestNode n = new TestNode(TestNode.settings(1).applied(2).build(), ms);
        n.drain();
        assertThat(n.applied).extracting(e -> e.getIndex()).containsExactly(3L);
    }

    @Test
    void staleSnapshotOnlyFastForwardsCommit() {
        TestNode n = TestNode.withLog(1, 1, new long[] {1, 1, 1}, 1, 2, 3);
        Message snap = Message.newBuilder().setType(MessageType.MsgSnap).setFrom(2).setTo(1).setTerm(1)
                .setSnapshot(io.ketcd.proto.raftpb.Snapshot.newBuilder().setMetadata(
                        io.ketcd.proto.raftpb.SnapshotMetadata.newBuilder().setIndex(2).setTerm(1)
                                .setConfState(n.confState))).build();
        n.node.step(snap);
        assertThat(n.raft().log.committed()).isEqualTo(2);
        assertThat(n.raft().log.unstable().snapshot()).as("our log already has the entry").isNull();
    }
}
