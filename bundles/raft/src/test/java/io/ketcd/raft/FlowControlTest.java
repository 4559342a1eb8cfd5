package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-follower flow control: probe/replicate, inflight window, message size, fast backtracking. */
class FlowControlTest {

    /** Leader 1 of {1, 2} with follower 2 in replicate state, message size limit one entry. */
    private static TestNode replicatingLeader(int maxInflight) {
        TestNode n = TestNode.create(1, c -> {
            c.maxInflightMsgs(maxInflight);
            c.maxSizePerMsg(0);
        }, 1, 2);
        n.node.campaign();
        n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(2).setTo(1).setTerm(1).build());
        n.drain();
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(1).setIndex(1).build());
        n.drain();
        assertThat(n.raft().tracker.progress.get(2L).state).isEqualTo(Progress.State.REPLICATE);
        return n;
    }

    private static List<Message> appsTo2(List<Message> msgs) {
        return msgs.stream().filter(m -> m.getType() == MessageType.MsgApp && m.getTo() == 2).toList();
    }

    @Test
    void inflightWindowBoundsPipelinedAppends() {
        TestNode n = replicatingLeader(3);
        for (int i = 0; i < 5; i++) {
            n.propose("e" + i);
        }
        List<Message> apps = appsTo2(n.drain());
        assertThat(apps).as("one entry per message, three in flight").hasSize(3);
        assertThat(n.raft().tracker.progress.get(2L).isPaused()).isTrue();

        // an ack for the first frees one slot: exactly one more goes out
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(1)
                .setIndex(apps.get(0).getEntries(0).getIndex()).build());
        assertThat(appsTo2(n.drain())).hasSize(1);
    }

    @Test
    void heartbeatResponseFreesASlotOfAFullWindow() {
        TestNode n = replicatingLeader(1);
        n.propose("a");
        n.propose("b");
        assertThat(appsTo2(n.drain())).hasSize(1);
        n.node.step(Message.newBuilder().setType(MessageType.MsgHeartbeatResp).setFrom(2).setTo(1).setTerm(1).build());
        assertThat(appsTo2(n.drain())).hasSize(1);
    }

    @Test
    void maxSizePerMsgSplitsEntriesButSendsAtLeastOne() {
        TestNode n = replicatingLeader(256);
        n.propose("a");
        n.propose("b");
        assertThat(appsTo2(n.drain())).allSatisfy(m -> assertThat(m.getEntriesCount()).isEqualTo(1));
    }

    @Test
    void probeStateSendsOneAppendAtATime() {
        TestNode n = TestNode.create(1, 1, 2);
        n.node.campaign();
        n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(2).setTo(1).setTerm(1).build());
        assertThat(appsTo2(n.drain())).hasSize(1);
        n.propose("a");
        n.propose("b");
        assertThat(appsTo2(n.drain())).as("paused until the probe is answered").isEmpty();
    }

    @Test
    void unreachableFollowerFallsBackToProbeAndAnAckAtMatchResumesReplication() {
        TestNode n = replicatingLeader(256);
        n.node.reportUnreachable(2);
        Progress pr = n.raft().tracker.progress.get(2L);
        assertThat(pr.state).isEqualTo(Progress.State.PROBE);

        // the next heartbeat round triggers an empty probe at match; its ack is at match too
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(1)
                .setIndex(pr.match).build());
        assertThat(pr.state).isEqualTo(Progress.State.REPLICATE);
    }

    @Test
    void rejectHintSkipsAWholeConflictingTermInOneRoundTrip() {
        // leader log terms [1, 1, 5, 5, 5, 5] (elected at term 6), follower [1, 1, 3, 3, 3, 3, 3, 3]
        TestNetwork net = TestNetwork.of(3, id -> switch ((int) id) {
            case 2 -> TestNode.withLog(2, 5, new long[] {1, 1, 3, 3, 3, 3, 3, 3}, 1, 2, 3);
            default -> TestNode.withLog(id, 5, new long[] {1, 1, 5, 5, 5, 5}, 1, 2, 3);
        });
        net.elect(1);
        List<Message> rejects = net.traced(MessageType.MsgAppResp).stream()
                .filter(m -> m.getFrom() == 2 && m.getReject()).toList();
        assertThat(rejects).as("one rejection, not one per entry").hasSize(1);
        assertThat(net.node(2).storage.term(3)).isEqualTo(5);
        assertThat(net.node(2).storage.lastIndex()).isEqualTo(7);
    }

    @Test
    void inflightsRing() {
        Inflights in = new Inflights(3);
        in.add(5);
        in.add(9);
        in.add(12);
        assertThat(in.full()).isTrue();
        in.freeLE(9);
        assertThat(in.count()).isEqualTo(1);
        in.add(13);
        in.add(20);
        in.freeFirstOne();
        assertThat(in.count()).isEqualTo(2);
        in.freeLE(100);
        assertThat(in.count()).isZero();
    }

    @Test
    void findConflictByTermSkipsHigherTerms() {
        TestNode n = TestNode.withLog(1, 3, new long[] {1, 1, 3, 3, 3}, 1);
        RaftLog log = n.raft().log;
        assertThat(log.findConflictByTerm(5, 2)).isEqualTo(2);
        assertThat(log.findConflictByTerm(5, 3)).isEqualTo(5);
        assertThat(log.findConflictByTerm(5, 0)).isZero();
        assertThat(log.findConflictByTerm(9, 1)).as("beyond the end: unchanged").isEqualTo(9);
    }
}
