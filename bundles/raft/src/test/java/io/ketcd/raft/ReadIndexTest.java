package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.ReadOnlyOption;
import io.ketcd.api.raft.ReadState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Linearizable reads: ReadIndex confirmed by a heartbeat round (SAFE, batched) or by lease. */
class ReadIndexTest {

    private static ByteString ctx(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static TestNetwork cluster(ReadOnlyOption option) {
        return TestNetwork.configured(3, c -> {
            c.readOnlyOption(option);
            c.checkQuorum(true);
        });
    }

    @Test
    void safeReadOnLeaderIsConfirmedByAHeartbeatQuorum() {
        TestNetwork net = cluster(ReadOnlyOption.SAFE);
        net.elect(1);
        net.node(1).propose("x");
        net.stabilize();
        int beatsBefore = net.traced(MessageType.MsgHeartbeat).size();

        net.node(1).node.readIndex(ctx("r1"));
        net.stabilize();

        assertThat(net.node(1).readStates).containsExactly(new ReadState(2, ctx("r1")));
        assertThat(net.traced(MessageType.MsgHeartbeat).subList(beatsBefore, net.traced(MessageType.MsgHeartbeat).size()))
                .allSatisfy(m -> assertThat(m.getContext()).isEqualTo(ctx("r1")));
    }

    @Test
    void safeReadWithoutQuorumIsNotAnswered() {
        TestNetwork net = cluster(ReadOnlyOption.SAFE);
        net.elect(1);
        net.isolate(2);
        net.isolate(3);
        net.node(1).node.readIndex(ctx("r"));
        net.stabilize();
        assertThat(net.node(1).readStates).isEmpty();
    }

    @Test
    void readsQueuedDuringARoundAreServedTogetherByTheNextRound() {
        TestNetwork net = cluster(ReadOnlyOption.SAFE);
        net.elect(1);
        TestNode leader = net.node(1);
        int beatsBefore = net.traced(MessageType.MsgHeartbeat).size();

        // r1 starts a round; r2..r4 arrive while it is under way
        for (String r : new String[] {"r1", "r2", "r3", "r4"}) {
            leader.node.readIndex(ctx(r));
        }
        net.stabilize();

        assertThat(leader.readStates).extracting(ReadState::requestContext)
                .containsExactly(ctx("r1"), ctx("r2"), ctx("r3"), ctx("r4"));
        List<Message> beats = net.traced(MessageType.MsgHeartbeat);
        List<Message> rounds = beats.subList(beatsBefore, beats.size());
        assertThat(rounds).as("two rounds of 2 heartbeats: one for r1, one for r2..r4").hasSize(4);
        assertThat(rounds).extracting(Message::getContext).containsExactly(ctx("r1"), ctx("r1"), ctx("r4"), ctx("r4"));
    }

    @Test
    void followerReadIsForwardedToTheLeader() {
        TestNetwork net = cluster(ReadOnlyOption.SAFE);
        net.elect(1);
        net.node(1).propose("x");
        net.stabilize();
        net.node(2).node.readIndex(ctx("f"));
        net.stabilize();
        assertThat(net.node(2).readStates).containsExactly(new ReadState(2, ctx("f")));
        assertThat(net.node(1).readStates).isEmpty();
    }

    @Test
    void readWithoutKnownLeaderIsDropped() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.readIndex(ctx("r"));
        assertThat(n.drain()).isEmpty();
        assertThat(n.readStates).isEmpty();
    }

    @Test
    void leaseBasedReadIsAnsweredWithoutAHeartbeatRound() {
        TestNetwork net = cluster(ReadOnlyOption.LEASE_BASED);
        net.elect(1);
        net.isolate(2);
        net.isolate(3);
        net.node(1).node.readIndex(ctx("lease"));
        net.node(1).drain();
        assertThat(net.node(1).readStates).containsExactly(new ReadState(1, ctx("lease")));
    }

    @Test
    void readIsHeldUntilTheLeaderCommitsAnEntryOfItsTerm() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.campaign();
        n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(2).setTo(1).setTerm(1).build());
        n.drain();
        n.node.readIndex(ctx("early"));
        assertThat(n.drain()).noneMatch(m -> m.getType() == MessageType.MsgHeartbeat);

        // the empty entry of term 1 commits: the held read starts its round
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(1).setIndex(1).build());
        List<Message> out = n.drain();
        assertThat(out).filteredOn(m -> m.getType() == MessageType.MsgHeartbeat)
                .extracting(Message::getContext).containsOnly(ctx("early"));
        n.node.step(Message.newBuilder().setType(MessageType.MsgHeartbeatResp).setFrom(2).setTo(1).setTerm(1)
                .setContext(ctx("early")).build());
        n.drain();
        assertThat(n.readStates).containsExactly(new ReadState(1, ctx("early")));
    }

    @Test
    void singleVoterAnswersAtOnce() {
        TestNode n = TestNode.create(1, 1);
        n.node.campaign();
        n.drain();
        n.node.readIndex(ctx("solo"));
        n.drain();
        assertThat(n.readStates).containsExactly(new ReadState(1, ctx("solo")));
    }
}
