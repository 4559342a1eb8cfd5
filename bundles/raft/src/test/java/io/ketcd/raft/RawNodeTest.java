package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.raft.RaftLogger;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.ReadOnlyOption;
import io.ketcd.api.raft.Ready;
import io.ketcd.api.raft.SoftState;
import io.ketcd.proto.raftpb.HardState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Ready/advance protocol of RawNode, its status, logging and configuration checks. */
class RawNodeTest {

    /** Formats "{}" placeholders like SLF4J so tests can assert on whole lines. */
    static final class CapturingLogger implements RaftLogger {
        final List<String> lines = new ArrayList<>();

        private void add(String level, String msg, Object... args) {
            StringBuilder sb = new StringBuilder(level).append(' ');
            int arg = 0;
            for (int i = 0; i < msg.length(); i++) {
                if (msg.startsWith("{}", i) && arg < args.length) {
                    sb.append(args[arg++]);
                    i++;
                } else {
                    sb.append(msg.charAt(i));
                }
            }
            lines.add(sb.toString());
        }

        @Override
        public void debug(String msg, Object... args) {
            add("DEBUG", msg, args);
        }

        @Override
        public void info(String msg, Object... args) {
            add("INFO", msg, args);
        }

        @Override
        public void warn(String msg, Object... args) {
            add("WARN", msg, args);
        }
    }

    @Test
    void readyCarriesStateChangesOnceAndMustSyncOnlyForTermVoteOrEntries() {
        TestNode n = TestNode.create(1, 1);
        assertThat(n.node.hasReady()).isFalse();

        n.node.campaign();
        Ready rd = n.node.ready();
        assertThat(rd.softState()).isEqualTo(new SoftState(1, RaftRole.LEADER));
        assertThat(rd.hardState()).isEqualTo(HardState.newBuilder().setTerm(1).setVote(1).setCommit(1).build());
        assertThat(rd.entries()).hasSize(1);
        assertThat(rd.committedEntries()).as("a single voter commits at once").hasSize(1);
        assertThat(rd.mustSync()).isTrue();
        n.storage.append(rd.entries());
        n.storage.setHardState(rd.hardState());
        n.node.advance(rd);
        assertThat(n.node.hasReady()).isFalse();

        n.propose("x");
        Ready next = n.node.ready();
        assertThat(next.softState()).as("unchanged").isNull();
        assertThat(next.hardState().getCommit()).isEqualTo(2);
        assertThat(next.mustSync()).as("new entries").isTrue();
        n.storage.append(next.entries());
        n.node.advance(next);
        assertThat(n.node.status().applied()).isEqualTo(2);
    }

    @Test
    void commitOnlyChangeNeedsNoSync() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).propose("x");
        // the follower gets the entry, then only a commit index in a heartbeat
        net.isolate(3);
        net.stabilize();
        net.node(2).node.step(io.ketcd.proto.raftpb.Message.newBuilder()
                .setType(io.ketcd.proto.raftpb.MessageType.MsgHeartbeat).setFrom(1).setTo(2)
                .setTerm(1).setCommit(2).build());
        Ready rd = net.node(2).node.ready();
        assertThat(rd.entries()).isEmpty();
        assertThat(rd.mustSync()).isFalse();
    }

    @Test
    void aHeartbeatWhoseCommitIsBeyondTheLogIsIgnoredNotFatal() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.node(1).propose("x");
        net.stabilize();
        long committed = net.node(2).node.status().commit();
        // no correct leader sends this (etcd-raft panics on it); a bad peer can
        net.node(2).node.step(io.ketcd.proto.raftpb.Message.newBuilder()
                .setType(io.ketcd.proto.raftpb.MessageType.MsgHeartbeat).setFrom(1).setTo(2)
                .setTerm(1).setCommit(1L << 40).build());
        assertThat(net.node(2).node.status().commit()).isEqualTo(committed);
        net.node(1).propose("y");
        net.stabilize();
        assertThat(net.node(2).node.status().commit()).isEqualTo(committed + 1);
    }

    @Test
    void anAckBeyondTheLeadersLogCommitsNothing() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.stabilize();
        long committed = net.node(1).node.status().commit();
        net.isolate(3);
        net.isolate(2);
        net.node(1).propose("x");
        // a forged ack from 2 for an index the leader never sent would make a quorum with the leader
        net.node(1).node.step(io.ketcd.proto.raftpb.Message.newBuilder()
                .setType(io.ketcd.proto.raftpb.MessageType.MsgAppResp).setFrom(2).setTo(1)
                .setTerm(net.node(1).node.status().term()).setIndex(1L << 40).build());
        assertThat(net.node(1).node.status().commit()).isEqualTo(committed);
    }

    @Test
    void readyMustBeAdvancedBeforeTheNextOne() {
        TestNode n = TestNode.create(1, 1);
        n.node.campaign();
        Ready rd = n.node.ready();
        assertThatThrownBy(n.node::ready).isInstanceOf(IllegalStateException.class);
        Ready other = new Ready(null, null, List.of(), List.of(), null, List.of(), List.of(), false);
        assertThatThrownBy(() -> n.node.advance(other)).isInstanceOf(IllegalArgumentException.class);
        n.node.advance(rd);
    }

    @Test
    void statusShowsProgressOnlyOnTheLeader() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        RaftStatus leader = net.node(1).node.status();
        assertThat(leader.role()).isEqualTo(RaftRole.LEADER);
        assertThat(leader.progress()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(leader.progress().get(2L).state()).isEqualTo("replicate");
        assertThat(leader.progress().get(2L).match()).isEqualTo(1);
        RaftStatus follower = net.node(2).node.status();
        assertThat(follower.progress()).isEmpty();
        assertThat(follower.lead()).isEqualTo(1);
        assertThat(follower.vote()).isEqualTo(1);
    }

    @Test
    void logLinesGoToTheInjectedLogger() {
        CapturingLogger log = new CapturingLogger();
        RawNode n = new RawNode(TestNode.settings(1).logger(log).build(), MemoryStorage.withVoters(1));
        n.campaign();
        assertThat(log.lines).contains(
                "INFO 1 became candidate at term 1",
                "INFO 1 became leader at term 1");
    }

    @Test
    void sameSeedSameElectionTimeouts() {
        TestNode a = TestNode.create(1, 1, 2, 3);
        TestNode b = TestNode.create(1, 1, 2, 3);
        for (int i = 0; i < 50; i++) {
            a.node.tick();
            b.node.tick();
            assertThat(a.drain()).isEqualTo(b.drain());
        }
        assertThat(a.raft().randomizedElectionTimeout).isEqualTo(b.raft().randomizedElectionTimeout);
    }

    @Test
    void configIsValidated() {
        SplittableRandom r = new SplittableRandom(1);
        assertThatThrownBy(() -> RaftNodeConfig.builder(0).random(r).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RaftNodeConfig.builder(1).electionTick(1).heartbeatTick(1).random(r).build())
                .as("election <= heartbeat").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RaftNodeConfig.builder(1).maxInflightMsgs(0).random(r).build())
                .as("no inflight window").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RaftNodeConfig.builder(1).readOnlyOption(ReadOnlyOption.LEASE_BASED)
                .checkQuorum(false).random(r).build())
                .as("lease without check-quorum").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RaftNodeConfig.builder(1).build()).as("no seeded random")
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void builderStartsFromEtcdsDefaults() {
        SplittableRandom r = new SplittableRandom(1);
        RaftNodeConfig c = RaftNodeConfig.builder(7).random(r).build();
        assertThat(c.id()).isEqualTo(7);
        assertThat(c.electionTick()).isEqualTo(10);
        assertThat(c.heartbeatTick()).isEqualTo(1);
        assertThat(c.applied()).isZero();
        assertThat(c.maxSizePerMsg()).isEqualTo(1024 * 1024);
        assertThat(c.maxInflightMsgs()).isEqualTo(256);
        assertThat(c.maxUncommittedEntriesSize()).isZero();
        assertThat(c.checkQuorum()).isTrue();
        assertThat(c.preVote()).isTrue();
        assertThat(c.readOnlyOption()).isEqualTo(ReadOnlyOption.SAFE);
        assertThat(c.disableProposalForwarding()).isFalse();
        assertThat(c.random()).isSameAs(r);
        assertThat(c.logger()).isSameAs(RaftLogger.NOOP);
    }

    @Test
    void hardStateCommitBeyondTheLogIsRefusedAtStart() {
        MemoryStorage ms = MemoryStorage.withVoters(1);
        ms.setHardState(HardState.newBuilder().setTerm(1).setCommit(5).build());
        assertThatThrownBy(() -> new RawNode(TestNode.config(1), ms)).isInstanceOf(IllegalStateException.class);
    }
}
