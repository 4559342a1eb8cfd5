package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static io.ketcd.testing.cluster.Members.agreedLeader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.ketcd.testing.cluster.ClusterScenarios;
import io.ketcd.testing.cluster.TestCluster;
import io.ketcd.testing.cluster.TestMember;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The cluster scenarios over three members in one JVM, each with its real peer transport
 * (Grizzly + java.net.http) and its gRPC listener on 127.0.0.1; and what a real etcd client sees
 * of such a cluster, through jetcd.
 */
class EmbeddedClusterTest extends ClusterScenarios {

    @Override
    protected TestCluster newCluster(Path dir) {
        return new EmbeddedCluster(dir);
    }

    private EmbeddedCluster embedded() {
        return (EmbeddedCluster) cluster;
    }

    private Client client(TestMember... members) {
        return embedded().peers.client(Arrays.stream(members).map(m -> embedded().etcd(m.name()))
                .toArray(EmbeddedEtcd[]::new));
    }

    private static boolean succeeds(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private String endpoint(TestMember m) {
        return embedded().etcd(m.name()).grpcEndpoint();
    }

    private static String get(Client c, String key) throws Exception {
        GetResponse r = c.getKVClient().get(bs(key)).get(10, TimeUnit.SECONDS);
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(UTF_8);
    }

    @Test
    void writesStatusHashKvAndMemberListThroughJetcdAreEtcds() throws Exception {
        List<TestMember> all = startThree(Map.of());
        long leader = agreedLeader(all).memberId();
        for (int i = 0; i < 3; i++) {
            Client c = client(all.get(i));
            String key = "k" + i;
            awaitTrue("put through member " + i, () -> succeeds(c.getKVClient().put(bs(key), bs("v"))));
        }
        for (TestMember reader : all) {
            Client c = client(reader);
            for (int i = 0; i < 3; i++) {
                assertThat(get(c, "k" + i)).isEqualTo("v");
            }
            StatusResponse st = c.getMaintenanceClient().statusMember(URI.create(endpoint(reader)).toString())
                    .get(5, TimeUnit.SECONDS);
            assertThat(st.getLeader()).isEqualTo(leader);
            assertThat(st.getRaftIndex()).isPositive();
        }
        awaitTrue("every member at the same revision with the same hash", () -> all.stream().map(m -> {
            try {
                var h = client(m).getMaintenanceClient().hashKV(endpoint(m), 0).get(5, TimeUnit.SECONDS);
                return h.getHeader().getRevision() + "/" + h.getHash();
            } catch (Exception e) {
                return e.toString();
            }
        }).distinct().count() == 1);
        Client c = client(all.get(0));
        awaitTrue("every member published its name and client URLs", () -> {
            try {
                List<Member> members = c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers();
                return members.size() == 3 && members.stream().allMatch(m -> !m.getName().isEmpty()
                        && !m.getClientURIs().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
        List<Member> members = c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers();
        assertThat(members).extracting(Member::getName).containsExactlyInAnyOrder("m1", "m2", "m3");
        assertThat(members).extracting(m -> m.getPeerURIs().get(0).toString())
                .containsExactlyInAnyOrder(cluster.peerUrl("m1"), cluster.peerUrl("m2"), cluster.peerUrl("m3"));
    }

    @Test
    void membersAreAddedAsLearnerPromotedAndRemovedThroughJetcd() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        Client c = client(all.toArray(TestMember[]::new));
        awaitTrue("put", () -> succeeds(c.getKVClient().put(bs("k"), bs("v"))));
        awaitTrue("every member published its name", () -> {
            try {
                return c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers().stream()
                        .noneMatch(m -> m.getName().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
        MemberAddResponse added = c.getClusterClient().addMember(List.of(URI.create(cluster.peerUrl("m4"))), true)
                .get(10, TimeUnit.SECONDS);
        assertThat(added.getMember().isLearner()).isTrue();
        TestMember m4 = cluster.start("m4", Map.of("initial-cluster-state", "existing"));
        assertThat(m4.memberId()).isEqualTo(added.getMember().getId());
        Client c4 = client(m4);
        awaitTrue("the learner catches up", () -> {
            try {
                return c4.getKVClient().get(bs("k"), GetOption.builder().withSerializable(true).build())
                        .get(5, TimeUnit.SECONDS).getCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        awaitTrue("the learner is promoted", () -> succeeds(c.getClusterClient().promoteMember(m4.memberId())));
        assertThat(c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers())
                .filteredOn(m -> m.getId() == m4.memberId()).singleElement()
                .satisfies(m -> assertThat(m.isLearner()).isFalse());

        TestMember m2 = all.get(1);
        long removed = m2.memberId();
        // asked of a member that stays: the removed one stops once it applies its removal, and may not answer
        List<Member> afterRemoval = client(all.get(0)).getClusterClient().removeMember(removed).get(10, TimeUnit.SECONDS)
                .getMembers();
        assertThat(afterRemoval).extracting(Member::getId).hasSize(3).doesNotContain(removed);
        // the member that took the request answered once it applied the removal; the others apply it in their time
        for (TestMember m : List.of(all.get(0), all.get(2), m4)) {
            Client local = client(m);
            awaitTrue(m.name() + " applied the removal", () -> {
                try {
                    List<Member> members = local.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers();
                    return members.size() == 3 && members.stream().noneMatch(x -> x.getId() == removed);
                } catch (Exception e) {
                    return false;
                }
            });
        }
        Client c1 = client(all.get(0));
        awaitTrue("writes continue without the removed member",
                () -> succeeds(c1.getKVClient().put(bs("k2"), bs("v2"))));
        assertThat(get(client(m4), "k2")).isEqualTo("v2");
    }

    @Test
    void aMinorityAnswersJetcdWithEtcdsErrors() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        Client c = client(all.get(0));
        awaitTrue("put", () -> succeeds(c.getKVClient().put(bs("k"), bs("v"))));
        cluster.stop("m2");
        cluster.stop("m3");
        // m1 alone is a minority of three: it can neither commit nor confirm a read index
        assertThatThrownBy(() -> c.getKVClient().put(bs("k"), bs("lost")).get(30, TimeUnit.SECONDS))
                .hasMessageContaining("etcdserver:");
        assertThatThrownBy(() -> c.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS))
                .hasMessageContaining("etcdserver:");
        GetResponse local = c.getKVClient().get(bs("k"), GetOption.builder().withSerializable(true).build())
                .get(10, TimeUnit.SECONDS);
        assertThat(local.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("v");
    }
}
