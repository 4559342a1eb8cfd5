package io.ketcd.raft;

import static io.ketcd.raft.TestNode.entries;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One init / act / check test per rule of the Raft paper (Ongaro and Ousterhout, "In Search of
 * an Understandable Consensus Algorithm", §5), on a RawNode over MemoryStorage, driven message
 * by message.
 */
class RaftPaperTest {

    private static Message msg(MessageType type, long from, long to, long term) {
        return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term).build();
    }

    /** Makes {@code n} leader at term 1 by a campaign and votes from peers 2 and 3, then drains. */
    private static TestNode leaderOfThree() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.campaign();
        n.drain();
        n.node.step(msg(MessageType.MsgVoteResp, 2, 1, 1));
        n.drain();
        assertThat(n.raft().role).isEqualTo(RaftRole.LEADER);
        return n;
    }

    private static List<Message> ofType(List<Message> msgs, MessageType t) {
        return msgs.stream().filter(m -> m.getType() == t).toList();
    }

    /** Steps {@code m} into {@code n} and returns its only answer of type {@code reply}. */
    private static Message onlyReply(TestNode n, Message.Builder m, MessageType reply) {
        n.node.step(m.setTo(n.id()).build());
        List<Message> out = ofType(n.drain(), reply);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    // ---- §5.1: current terms are exchanged; a larger term makes a node a follower ----

    @ParameterizedTest(name = "{0} steps down on a higher term")
    @CsvSource({"FOLLOWER", "CANDIDATE", "LEADER"})
    void anyRoleUpdatesTermAndBecomesFollowerOnHigherTerm(RaftRole start) {
        TestNode n = start == RaftRole.LEADER ? leaderOfThree() : TestNode.create(1, 1, 2, 3);
        if (start == RaftRole.CANDIDATE) {
            n.node.campaign();
        }
        long before = n.raft().term;

        n.node.step(Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTo(1).setTerm(before + 1).build());

        assertThat(n.raft().term).isEqualTo(before + 1);
        assertThat(n.raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.raft().lead).isEqualTo(2);
    }

    @Test
    void staleTermRequestIsRejected() {
        TestNode n = TestNode.withLog(1, 2, new long[] {}, 1, 2, 3);
        n.drain();

        // an append from a deposed leader of term 1 must not change the log
        n.node.step(Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTo(1).setTerm(1)
                .addAllEntries(entries(1, 1)).build());

        assertThat(n.raft().log.lastIndex()).isZero();
        assertThat(n.raft().term).isEqualTo(2);
        assertThat(n.drain()).isEmpty();
    }

    // ---- §5.2: leader election ----

    @Test
    void startsAsFollower() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        assertThat(n.raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.raft().term).isZero();
    }

    @Test
    void leaderSendsHeartbeatsEveryHeartbeatTick() {
        TestNode n = leaderOfThree();
        n.node.tick();
        List<Message> beats = ofType(n.drain(), MessageType.MsgHeartbeat);
        assertThat(beats).extracting(Message::getTo).containsExactly(2L, 3L);
        assertThat(beats).allSatisfy(m -> assertThat(m.getTerm()).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0} starts an election after the election timeout")
    @CsvSource({"FOLLOWER", "CANDIDATE"})
    void electionTimeoutStartsNewElection(RaftRole start) {
        TestNode n = TestNode.create(1, 1, 2, 3);
        if (start == RaftRole.CANDIDATE) {
            n.node.campaign();
            n.drain();
        }
        long before = n.raft().term;
        for (int i = 0; i < 2 * n.raft().electionTimeout; i++) {
            n.node.tick();
        }
        assertThat(n.raft().role).isEqualTo(RaftRole.CANDIDATE);
        assertThat(n.raft().term).isEqualTo(before + 1);
        assertThat(n.raft().vote).as("votes for itself").isEqualTo(1);
        List<Message> votes = ofType(n.drain(), MessageType.MsgVote);
        assertThat(votes).extracting(Message::getTo).containsExactly(2L, 3L);
        assertThat(votes).allSatisfy(m -> assertThat(m.getTerm()).isEqualTo(before + 1));
    }

    @ParameterizedTest(name = "{0} voters, {1} granted, {2} rejected -> {3}")
    @CsvSource({
        "1, 0, 0, LEADER",
        "3, 1, 0, LEADER", "3, 2, 0, LEADER", "5, 2, 0, LEADER", "5, 4, 0, LEADER",
        "3, 0, 0, CANDIDATE", "5, 1, 0, CANDIDATE",
        "3, 0, 2, FOLLOWER", "5, 1, 3, FOLLOWER", "5, 0, 4, FOLLOWER"})
    void electionIsDecidedByMajorityInOneRound(int size, int granted, int rejected, RaftRole expected) {
        TestNode n = TestNode.create(1, TestNetwork.ids(size));
        n.node.campaign();
        long peer = 2;
        for (int i = 0; i < granted; i++) {
            n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(peer++).setTo(1).setTerm(1).build());
        }
        for (int i = 0; i < rejected; i++) {
            n.node.step(Message.newBuilder().setType(MessageType.MsgVoteResp).setFrom(peer++).setTo(1).setTerm(1)
                    .setReject(true).build());
        }
        assertThat(n.raft().role).isEqualTo(expected);
        assertThat(n.raft().term).isEqualTo(1);
    }

    @ParameterizedTest(name = "voted for {0}, request from {1} -> reject {2}")
    @CsvSource({"0, 2, false", "0, 3, false", "2, 2, false", "3, 3, false", "2, 3, true", "3, 2, true"})
    void followerVotesAtMostOncePerTermFirstComeFirstServed(long votedFor, long candidate, boolean reject) {
        MemoryStorage ms = MemoryStorage.withVoters(1, 2, 3);
        ms.setHardState(io.ketcd.proto.raftpb.HardState.newBuilder().setTerm(1).setVote(votedFor).build());
        TestNode n = new TestNode(TestNode.config(1), ms);

        Message resp = onlyReply(n, Message.newBuilder().setType(MessageType.MsgVote).setFrom(candidate).setTerm(1),
                MessageType.MsgVoteResp);

        assertThat(resp.getReject()).isEqualTo(reject);
        assertThat(resp.getTo()).isEqualTo(candidate);
    }

    @ParameterizedTest(name = "append at term {0} makes the candidate at term 1 a follower")
    @CsvSource({"1", "2"})
    void candidateStepsDownOnAppendFromLeaderOfCurrentOrNewerTerm(long term) {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.campaign();
        assertThat(n.raft().term).isEqualTo(1);

        n.node.step(msg(MessageType.MsgApp, 2, 1, term));

        assertThat(n.raft().role).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.raft().term).isEqualTo(term);
        assertThat(n.raft().lead).isEqualTo(2);
    }

    @Test
    void electionTimeoutsAreRandomizedWithinOneToTwoTimeouts() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        int et = n.raft().electionTimeout;
        Set<Integer> seen = new HashSet<>();
        for (int round = 0; round < 200; round++) {
            long term = n.raft().term;
            int ticks = 0;
            while (n.raft().term == term) {
                n.node.tick();
                ticks++;
            }
            n.drain();
            // go back to follower for the next measurement
            n.node.step(msg(MessageType.MsgHeartbeat, 2, 1, n.raft().term + 1));
            n.drain();
            seen.add(ticks);
        }
        assertThat(seen).allSatisfy(t -> assertThat(t).isBetween(et, 2 * et - 1));
        assertThat(seen).as("timeouts spread over the range").hasSizeGreaterThan(et / 2);
    }

    @Test
    void nodesDoNotSplitVotesForeverThanksToRandomTimeouts() {
        // five nodes time out on their own; one becomes leader without help
        TestNetwork net = TestNetwork.of(5);
        for (int i = 0; i < 100 && net.leader() == null; i++) {
            net.tickAll(1);
        }
        assertThat(net.leader()).isNotNull();
    }

    // ---- §5.3: log replication ----

    @Test
    void leaderReplicatesProposalWithPrecedingIndexAndTerm() {
        TestNode n = leaderOfThree();
        // followers acked the empty entry of term 1 at index 1
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(1).setIndex(1).build());
        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(3).setTo(1).setTerm(1).setIndex(1).build());
        n.drain();

        n.propose("x");

        List<Message> apps = ofType(n.drain(), MessageType.MsgApp);
        assertThat(apps).extracting(Message::getTo).containsExactly(2L, 3L);
        for (Message m : apps) {
            assertThat(m.getIndex()).isEqualTo(1);
            assertThat(m.getLogTerm()).isEqualTo(1);
            assertThat(m.getCommit()).isEqualTo(1);
            assertThat(m.getEntriesList()).extracting(Entry::getIndex, Entry::getTerm)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 1L));
            assertThat(m.getEntries(0).getData().toStringUtf8()).isEqualTo("x");
        }
        assertThat(n.storage.lastIndex()).as("leader persisted the entry").isEqualTo(2);
    }

    @Test
    void leaderCommitsOnceReplicatedOnMajorityAndTellsFollowers() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        net.isolate(3);
        net.node(1).propose("x");
        net.stabilize();

        assertThat(net.node(1).raft().log.committed()).isEqualTo(2);
        assertThat(net.node(1).appliedData()).containsExactly("x");
        assertThat(net.node(2).raft().log.committed()).as("the next append carries the commit index").isEqualTo(2);
        assertThat(net.node(3).appliedData()).isEmpty();
    }

    @ParameterizedTest(name = "{0} voters, {1} acks -> committed {2}")
    @CsvSource({"1, 0, true", "3, 0, false", "3, 1, true", "3, 2, true", "5, 1, false", "5, 2, true", "5, 4, true"})
    void entryIsCommittedOnlyWithAcksFromMajority(int size, int acks, boolean committed) {
        TestNode n = TestNode.create(1, TestNetwork.ids(size));
        n.node.campaign();
        for (long p = 2; p <= size; p++) {
            n.node.step(msg(MessageType.MsgVoteResp, p, 1, 1));
        }
        n.drain();
        n.propose("x");
        n.drain();
        for (long p = 2; p < 2 + acks; p++) {
            n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(p).setTo(1).setTerm(1).setIndex(2).build());
        }
        assertThat(n.raft().log.committed() == 2).isEqualTo(committed);
    }

    @Test
    void committingAnEntryCommitsAllPrecedingOnes() {
        // the new leader holds entries of term 1 it did not create; its own empty entry of
        // term 2 commits them all at once
        TestNetwork net = TestNetwork.of(3, id -> TestNode.withLog(id, 1, new long[] {1, 1}, 1, 2, 3));
        net.elect(1);
        assertThat(net.node(1).applied).extracting(Entry::getIndex).containsExactly(1L, 2L, 3L);
        assertThat(net.node(1).applied.get(2).getTerm()).isEqualTo(2);
    }

    @Test
    void followerCommitsUpToLeadersCommitIndex() {
        TestNode n = TestNode.create(1, 1, 2, 3);
        n.node.step(Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTo(1).setTerm(1)
                .addAllEntries(entries(1, 1, 1, 1)).setCommit(2).build());
        n.drain();
        assertThat(n.raft().log.committed()).isEqualTo(2);
        assertThat(n.applied).extracting(Entry::getIndex).containsExactly(1L, 2L);
    }

    @ParameterizedTest(name = "probe at ({0}, term {1}) -> reject {2}")
    @CsvSource({"0, 0, false", "2, 2, false", "1, 1, false", "2, 1, true", "3, 3, true", "3, 2, true"})
    void followerAcceptsAppendOnlyIfItsLogMatchesAtPrecedingEntry(long index, long logTerm, boolean reject) {
        // log: (1, term 1), (2, term 2)
        TestNode n = TestNode.withLog(1, 2, new long[] {1, 2}, 1, 2, 3);
        Message resp = onlyReply(n, Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTerm(2)
                .setIndex(index).setLogTerm(logTerm), MessageType.MsgAppResp);
        assertThat(resp.getReject()).isEqualTo(reject);
    }

    @Test
    void followerTruncatesConflictingEntriesAndAppends() {
        // log terms [1, 2, 2]; the leader of term 3 has [1, 3] at 1..2
        TestNode n = TestNode.withLog(1, 3, new long[] {1, 2, 2}, 1, 2, 3);
        n.node.step(Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTo(1).setTerm(3)
                .setIndex(1).setLogTerm(1).addAllEntries(entries(2, 3)).build());
        n.drain();
        assertThat(n.storage.lastIndex()).isEqualTo(2);
        assertThat(n.storage.term(2)).isEqualTo(3);
    }

    @Test
    void followerKeepsMatchingEntriesAndAppendsOnlyNewOnes() {
        TestNode n = TestNode.withLog(1, 2, new long[] {1, 2, 2}, 1, 2, 3);
        // a delayed, shorter append must not truncate entry 3
        n.node.step(Message.newBuilder().setType(MessageType.MsgApp).setFrom(2).setTo(1).setTerm(2)
                .setIndex(0).setLogTerm(0).addAllEntries(entries(1, 1, 2)).build());
        n.drain();
        assertThat(n.storage.lastIndex()).isEqualTo(3);
    }

    /** Figure 7 of the paper: a leader brings very different follower logs in line with its own. */
    @ParameterizedTest(name = "follower log {0}")
    @CsvSource({
        "'1 1 1 4 4 5 5 6 6'",            // (a) missing entries
        "'1 1 1 4'",                        // (b)
        "'1 1 1 4 4 5 5 6 6 6 6'",        // (c) extra entries of term 6
        "'1 1 1 4 4 5 5 6 6 6 7 7'",      // (d) extra entries of term 7
        "'1 1 1 4 4 4 4'",                  // (e) extra entries of term 4
        "'1 1 1 2 2 2 3 3 3 3 3'"})       // (f) entries of terms 2 and 3 never committed
    void leaderSyncsDivergentFollowerLogs(String followerLog) {
        long[] leaderLog = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
        long[] follower = java.util.Arrays.stream(followerLog.split(" ")).mapToLong(Long::parseLong).toArray();
        TestNetwork net = TestNetwork.of(3, id -> switch ((int) id) {
            case 1 -> TestNode.withLog(1, 8, leaderLog, 1, 2, 3);
            case 2 -> TestNode.withLog(2, 8, follower, 1, 2, 3);
            default -> TestNode.withLog(3, 8, leaderLog, 1, 2, 3);
        });
        net.elect(1);
        net.node(1).propose("x");
        net.stabilize();

        List<Entry> leader = net.node(1).storage.entries(1, net.node(1).storage.lastIndex() + 1, Long.MAX_VALUE);
        List<Entry> synced = net.node(2).storage.entries(1, net.node(2).storage.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(synced).isEqualTo(leader);
    }

    // ---- §5.4.1: election restriction ----

    @ParameterizedTest(name = "voter log (last term 2, index 2) vs candidate (term {0}, index {1}) -> reject {2}")
    @CsvSource({
        "1, 3, true",   // older last term loses whatever its length
        "2, 1, true",   // same last term, shorter log
        "2, 2, false",  // same
        "2, 3, false",  // same term, longer
        "3, 1, false"}) // newer last term wins whatever its length
    void voterRejectsCandidateWhoseLogIsLessUpToDate(long lastTerm, long lastIndex, boolean reject) {
        TestNode n = TestNode.withLog(1, 2, new long[] {1, 2}, 1, 2, 3);
        Message resp = onlyReply(n, Message.newBuilder().setType(MessageType.MsgVote).setFrom(2).setTerm(3)
                .setLogTerm(lastTerm).setIndex(lastIndex), MessageType.MsgVoteResp);
        assertThat(resp.getReject()).isEqualTo(reject);
    }

    @Test
    void candidateSendsItsLastLogIndexAndTerm() {
        TestNode n = TestNode.withLog(1, 2, new long[] {1, 2}, 1, 2, 3);
        n.node.campaign();
        List<Message> votes = ofType(n.drain(), MessageType.MsgVote);
        assertThat(votes).allSatisfy(m -> {
            assertThat(m.getIndex()).isEqualTo(2);
            assertThat(m.getLogTerm()).isEqualTo(2);
        });
    }

    // ---- §5.4.2: only entries of the current term are committed by counting replicas ----

    @Test
    void leaderDoesNotCommitEntriesOfEarlierTermsByCounting() {
        // the leader of term 3 holds (1, term 1) and (2, term 2); a majority has entry 2, but
        // only its own entry of term 3 (index 3) may be committed by counting
        TestNode n = TestNode.withLog(1, 2, new long[] {1, 2}, 1, 2, 3);
        n.node.campaign();
        n.node.step(msg(MessageType.MsgVoteResp, 2, 1, 3));
        n.drain();
        assertThat(n.raft().role).isEqualTo(RaftRole.LEADER);

        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(3).setIndex(2).build());
        assertThat(n.raft().log.committed()).as("entry 2 of term 2 is on a majority but not committed").isZero();

        n.node.step(Message.newBuilder().setType(MessageType.MsgAppResp).setFrom(2).setTo(1).setTerm(3).setIndex(3).build());
        assertThat(n.raft().log.committed()).as("the current-term entry commits, and 1..2 with it").isEqualTo(3);
    }

    @Test
    void proposalDataSurvivesRoundTrip() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(2);
        net.node(3).node.propose(ByteString.copyFrom(new byte[] {0, 1, 2}));
        net.stabilize();
        assertThat(net.node(1).applied.get(1).getData()).isEqualTo(ByteString.copyFrom(new byte[] {0, 1, 2}));
    }
}
