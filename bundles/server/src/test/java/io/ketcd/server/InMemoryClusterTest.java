package io.ketcd.server;

import static io.ketcd.testing.cluster.Members.BOUND;
import static io.ketcd.testing.cluster.Members.agreedLeader;
import static io.ketcd.testing.cluster.Members.bytes;
import static io.ketcd.testing.cluster.Members.errorOf;
import static io.ketcd.testing.cluster.Members.putEventually;
import static io.ketcd.testing.cluster.Members.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.testing.Await;
import io.ketcd.testing.cluster.ClusterScenarios;
import io.ketcd.testing.cluster.TestCluster;
import io.ketcd.testing.cluster.TestMember;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The cluster scenarios over members connected by {@link InMemoryNetwork}, and what only an
 * in-memory network can do: cut a member off, and start members with any flags without sockets.
 */
class InMemoryClusterTest extends ClusterScenarios {

    @Override
    protected TestCluster newCluster(Path dir) {
        return new InMemoryCluster(dir);
    }

    private InMemoryCluster inMemory() {
        return (InMemoryCluster) cluster;
    }

    @Test
    void anIsolatedLeaderIsReplacedAndItsMinorityRefusesReadsAndWrites() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember old = agreedLeader(all);
        putEventually(old.kv(), "before", "1");
        inMemory().network().isolate(old.memberId());
        List<TestMember> majority = all.stream().filter(s -> s != old).toList();
        TestMember next = agreedLeader(majority, old.memberId());
        putEventually(majority.get(0).kv(), "after", "2");
        assertThat(value(majority.get(1).kv(), "after", false)).isEqualTo("2");

        assertThat(errorOf(old.kv().put(PutRequest.newBuilder().setKey(bytes("lost")).setValue(bytes("x")).build())))
                .isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER, EtcdError.LEADER_CHANGED);
        assertThat(errorOf(old.kv().range(RangeRequest.newBuilder().setKey(bytes("before")).build())))
                .isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER);
        assertThat(value(old.kv(), "before", true)).isEqualTo("1"); // serializable reads stay local

        inMemory().network().heal();
        Await.until("the old leader catches up", BOUND, () -> {
            try {
                return "2".equals(value(old.kv(), "after", false));
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(value(next.kv(), "lost", false)).isNull();
    }

    @Test
    void aRestartIgnoresTheInitialFlagsAndAnUnaddedMemberCannotJoin() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        KetcdServer m3 = inMemory().server("m3");
        long id = m3.memberId();
        long clusterId = m3.clusterId();
        cluster.stop("m3");
        // the data directory decides who m3 is, whatever the flags now say
        TestMember again = cluster.start("m3", Map.of("initial-cluster", "m3=http://elsewhere:2380",
                "initial-advertise-peer-urls", "http://elsewhere:2380", "initial-cluster-token", "other"));
        assertThat(again.memberId()).isEqualTo(id);
        assertThat(inMemory().server("m3").clusterId()).isEqualTo(clusterId);

        Throwable refused = catchThrowable(() -> cluster.start("m5", Map.of("initial-cluster-state", "existing")));
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
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        putEventually(all.get(0).kv(), "k", "v");
        String first = all.stream().min((a, b) -> Long.compareUnsigned(a.memberId(), b.memberId()))
                .orElseThrow().name();
        all.forEach(m -> cluster.stop(m.name()));
        TestMember alone = cluster.start(first, Map.of());
        assertThat(errorOf(alone.kv().put(PutRequest.newBuilder().setKey(bytes("split")).setValue(bytes("brain"))
                .build()))).isIn(EtcdError.NO_LEADER, EtcdError.TIMEOUT);
        assertThat(alone.maintenance().status().get(10, TimeUnit.SECONDS).getLeader()).isZero();
    }

    /**
     * A member cut off from the others has no leader to forward a keep-alive or a time-to-live to:
     * after etcd's request timeout it answers "no leader", as etcd's waitLeader does, and the
     * keep-alive stream ends with that error.
     */
    @Test
    void aMemberWithoutALeaderAnswersLeaseRequestsWithNoLeader() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember leader = agreedLeader(all);
        long id = io.ketcd.testing.cluster.Leases.grant(leader, 60);
        TestMember cut = all.stream().filter(m -> m != leader).findFirst().orElseThrow();
        inMemory().network().isolate(cut.memberId());
        Await.until("the cut-off member lost its leader", BOUND, () -> inMemory().server(cut.name()).status()
                .join().getLeader() == 0);
        assertThat(errorOf(cut.lease().leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build())))
                .isEqualTo(EtcdError.NO_LEADER);
        assertThat(errorOf(cut.lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build())))
                .isEqualTo(EtcdError.NO_LEADER);
        inMemory().network().heal();
        Await.until("the keep-alive is answered again", BOUND, () -> {
            try {
                return cut.lease().leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build())
                        .get(10, TimeUnit.SECONDS).getTTL() == 60;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
