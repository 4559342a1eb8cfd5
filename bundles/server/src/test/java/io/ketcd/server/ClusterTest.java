package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static io.ketcd.server.Futures.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.raft.RawNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members of one cluster in one JVM, connected by {@link InMemoryNetwork}: the server's cluster
 * behaviour (replication, elections, snapshots, membership) without the peer transport.
 */
class ClusterTest {
    private static final String CLUSTER = InMemoryMembers.CLUSTER;

    @TempDir
    Path dir;

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final Map<String, KetcdServer> running = new HashMap<>();

    @AfterEach
    void stopAll() {
        running.values().forEach(KetcdServer::close);
        network.close();
    }

    private KetcdServer start(String name, Map<String, String> extra) throws Exception {
        KetcdServer s = KetcdServer.start(InMemoryMembers.config(dir, name, extra), RawNode::new, network.peerNetwork());
        running.put(name, s);
        return s;
    }

    private List<KetcdServer> startThree(Map<String, String> extra) throws Exception {
        List<KetcdServer> all = new ArrayList<>();
        for (String n : List.of("m1", "m2", "m3")) {
            all.add(start(n, extra));
        }
        return all;
    }

    private void stop(String name) {
        running.remove(name).close();
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build();
    }

    private static RangeRequest get(String k, boolean serializable) {
        return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setSerializable(serializable).build();
    }


    private static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(what, Duration.ofSeconds(20), condition);
    }

    private static StatusResponse status(KetcdServer s) {
        try {
            return await(s.status());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static KetcdServer awaitLeader(List<KetcdServer> members) {
        KetcdServer[] leader = new KetcdServer[1];
        awaitTrue("a leader all members agree on", () -> {
            long lead = status(members.get(0)).getLeader();
            if (lead == 0 || !members.stream().allMatch(m -> status(m).getLeader() == lead)) {
                return false;
            }
            leader[0] = members.stream().filter(m -> m.memberId() == lead).findFirst().orElse(null);
            return leader[0] != null;
        });
        return leader[0];
    }

    /** Retries a write that fails while a leader is being elected, as clients do. */
    private static void putEventually(KetcdServer s, String k, String v) {
        awaitTrue("put " + k, () -> {
            try {
                await(s.put(put(k, v)));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static String value(KetcdServer s, String k, boolean serializable) throws Exception {
        var r = await(s.range(get(k, serializable)));
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }


    @Test
    void writesThroughAnyMemberAreReadLinearizablyEverywhere() throws Exception {
        List<KetcdServer> all = startThree(Map.of());
        assertThat(all).extracting(KetcdServer::clusterId).containsOnly(all.get(0).clusterId());
        awaitLeader(all);
        for (int i = 0; i < all.size(); i++) {
            putEventually(all.get(i), "k" + i, "v" + i);
        }
        for (KetcdServer reader : all) {
            for (int i = 0; i < all.size(); i++) {
                assertThat(value(reader, "k" + i, false)).isEqualTo("v" + i);
            }
        }
        awaitTrue("equal revisions", () -> all.stream().map(s -> status(s).getHeader().getRevision()).distinct().count() == 1);
        awaitTrue("every member published its name", () -> {
            try {
                return await(all.get(0).memberList()).getMembersList().stream().noneMatch(m -> m.getName().isEmpty()
                        || m.getClientURLsCount() == 0);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void anIsolatedLeaderIsReplacedAndItsMinorityRefusesReadsAndWrites() throws Exception {
        List<KetcdServer> all = startThree(Map.of());
        KetcdServer old = awaitLeader(all);
        putEventually(old, "before", "1");
        network.isolate(old.memberId());
        List<KetcdServer> majority = all.stream().filter(s -> s != old).toList();
        KetcdServer next = awaitLeader(majority);
        assertThat(next.memberId()).isNotEqualTo(old.memberId());
        putEventually(majority.get(0), "after", "2");
        assertThat(value(majority.get(1), "after", false)).isEqualTo("2");

        assertThat(errorOf(old.put(put("lost", "x")))).isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER, EtcdError.LEADER_CHANGED);
        assertThat(errorOf(old.range(get("before", false)))).isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER);
        assertThat(value(old, "before", true)).isEqualTo("1"); // serializable reads stay local

        network.heal();
        awaitTrue("the old leader catches up", () -> {
            try {
                return "2".equals(value(old, "after", false));
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(value(next, "lost", false)).isNull();
    }

    @Test
    void aMemberThatFellBehindASnapshotCatchesUpFromIt() throws Exception {
        Map<String, String> small = Map.of("snapshot-count", "20", "experimental-snapshot-catchup-entries", "5");
        List<KetcdServer> all = startThree(small);
        awaitLeader(all);
        stop("m3");
        KetcdServer writer = running.get("m1");
        for (int i = 0; i < 100; i++) {
            putEventually(writer, "key" + i, "value" + i);
        }
        KetcdServer m3 = start("m3", small);
        awaitTrue("m3 catches up", () -> {
            try {
                return "value99".equals(value(m3, "key99", true));
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(network.snapshotsDelivered.get()).isPositive();
        for (int i = 0; i < 100; i++) {
            assertThat(value(m3, "key" + i, true)).isEqualTo("value" + i);
        }
        // and it keeps following after the snapshot
        putEventually(writer, "later", "x");
        assertThat(value(m3, "later", false)).isEqualTo("x");
    }

    @Test
    void membersAreAddedAsLearnersPromotedAndRemoved() throws Exception {
        List<KetcdServer> all = startThree(Map.of());
        KetcdServer leader = awaitLeader(all);
        awaitTrue("every member published its name", () -> {
            try {
                return await(leader.memberList()).getMembersList().stream().noneMatch(m -> m.getName().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
        putEventually(leader, "k", "v");
        var added = await(leader.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://m4:2380")
                .setIsLearner(true).build()));
        assertThat(added.getMember().getIsLearner()).isTrue();
        assertThat(added.getMembersList()).hasSize(4);

        KetcdServer follower = all.stream().filter(s -> s != leader).findFirst().orElseThrow();
        awaitTrue("the follower knows the learner", () -> {
            try {
                return await(follower.memberList()).getMembersCount() == 4;
            } catch (Exception e) {
                return false;
            }
        });
        // the follower forwards the promotion to the leader, which sees that m4 has nothing yet
        assertThat(errorOf(follower.memberPromote(MemberPromoteRequest.newBuilder()
                .setID(added.getMember().getID()).build()))).isEqualTo(EtcdError.LEARNER_NOT_READY);
        KetcdServer m4 = start("m4", Map.of("initial-cluster-state", "existing",
                "initial-cluster", CLUSTER + ",m4=http://m4:2380"));
        assertThat(m4.memberId()).isEqualTo(added.getMember().getID());
        awaitTrue("the learner catches up", () -> {
            try {
                return "v".equals(value(m4, "k", true));
            } catch (Exception e) {
                return false;
            }
        });
        awaitTrue("the learner knows it is one", () -> status(m4).getIsLearner());
        awaitTrue("the learner is promoted", () -> {
            try {
                await(follower.memberPromote(MemberPromoteRequest.newBuilder().setID(m4.memberId()).build()));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        Member promoted = await(leader.memberList()).getMembersList().stream()
                .filter(m -> m.getID() == m4.memberId()).findFirst().orElseThrow();
        assertThat(promoted.getIsLearner()).isFalse();
        assertThat(errorOf(leader.memberPromote(MemberPromoteRequest.newBuilder().setID(m4.memberId()).build())))
                .isEqualTo(EtcdError.MEMBER_NOT_LEARNER);

        KetcdServer m2 = running.get("m2");
        long removedId = m2 == leader ? running.get("m3").memberId() : m2.memberId();
        var after = await(leader.memberRemove(MemberRemoveRequest.newBuilder().setID(removedId).build()));
        assertThat(after.getMembersList()).hasSize(3).extracting(Member::getID).doesNotContain(removedId);
        assertThat(errorOf(leader.memberRemove(MemberRemoveRequest.newBuilder().setID(removedId).build())))
                .isEqualTo(EtcdError.MEMBER_NOT_FOUND);
        putEventually(leader, "k2", "v2");
        assertThat(value(m4, "k2", false)).isEqualTo("v2");
    }

    @Test
    void aRestartIgnoresTheInitialFlagsAndAnUnaddedMemberCannotJoin() throws Exception {
        List<KetcdServer> all = startThree(Map.of());
        awaitLeader(all);
        long id = running.get("m3").memberId();
        long cluster = running.get("m3").clusterId();
        stop("m3");
        // the data directory decides who m3 is, whatever the flags now say
        KetcdServer again = start("m3", Map.of("initial-cluster", "m3=http://elsewhere:2380",
                "initial-advertise-peer-urls", "http://elsewhere:2380", "initial-cluster-token", "other"));
        assertThat(again.memberId()).isEqualTo(id);
        assertThat(again.clusterId()).isEqualTo(cluster);

        var refused = org.assertj.core.api.Assertions.catchThrowable(() -> start("m5", Map.of(
                "initial-cluster-state", "existing", "initial-cluster", CLUSTER + ",m5=http://m5:2380")));
        assertThat(refused).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no member with peer URLs [http://m5:2380]")
                .hasMessageContaining("etcdctl member add m5");
    }

    /**
     * A restart rebuilds the configuration change by change; a member whose own change comes
     * first was briefly the only voter and used to elect itself and commit alone.
     */
    @Test
    void aRestartedMemberAloneCannotCommitWhileItsConfigurationIsRebuilt() throws Exception {
        List<KetcdServer> all = startThree(Map.of());
        awaitLeader(all);
        putEventually(all.get(0), "k", "v");
        String first = running.entrySet().stream()
                .min((a, b) -> Long.compareUnsigned(a.getValue().memberId(), b.getValue().memberId()))
                .orElseThrow().getKey();
        List.copyOf(running.keySet()).forEach(this::stop);
        KetcdServer alone = start(first, Map.of());
        assertThat(errorOf(alone.put(put("split", "brain")))).isIn(EtcdError.NO_LEADER, EtcdError.TIMEOUT);
        assertThat(status(alone).getLeader()).isZero();
    }
}
