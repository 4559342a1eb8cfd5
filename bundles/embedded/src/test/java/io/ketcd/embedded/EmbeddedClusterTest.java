package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members in one JVM, each with its real peer transport (Grizzly + java.net.http) and its
 * gRPC listener on 127.0.0.1, used through jetcd as a 3-member etcd cluster would be.
 */
class EmbeddedClusterTest {
    @TempDir
    Path dir;

    private final Map<String, Integer> peerPorts = new LinkedHashMap<>();
    private final Map<String, EmbeddedEtcd> running = new LinkedHashMap<>();
    private final List<Client> clients = new ArrayList<>();

    @AfterEach
    void stopAll() {
        clients.forEach(Client::close);
        running.values().forEach(EmbeddedEtcd::close);
    }

    /** Peer ports must be known before any member starts: every member's initial-cluster names them all. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String peerUrl(String name) {
        return "http://127.0.0.1:" + peerPorts.get(name);
    }

    private String initialCluster() {
        return String.join(",", peerPorts.keySet().stream().map(n -> n + "=" + peerUrl(n)).toList());
    }

    private EmbeddedEtcd start(String name, Map<String, String> extra) throws IOException {
        Map<String, String> cfg = new HashMap<>(Map.of(
                "name", name,
                "data-dir", dir.resolve(name).toString(),
                "listen-client-urls", "http://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", peerUrl(name),
                "initial-advertise-peer-urls", peerUrl(name),
                "initial-cluster", initialCluster(),
                "heartbeat-interval", "50",
                "election-timeout", "500"));
        cfg.putAll(extra);
        EmbeddedEtcd e = EmbeddedEtcd.start(cfg);
        running.put(name, e);
        return e;
    }

    private List<EmbeddedEtcd> startThree(Map<String, String> extra) throws Exception {
        for (String n : List.of("m1", "m2", "m3")) {
            peerPorts.put(n, freePort());
        }
        List<EmbeddedEtcd> all = new ArrayList<>();
        for (String n : List.of("m1", "m2", "m3")) {
            all.add(start(n, extra));
        }
        return all;
    }

    private Client client(EmbeddedEtcd... members) {
        Client c = Client.builder().endpoints(Stream.of(members).map(EmbeddedEtcd::grpcEndpoint).toArray(String[]::new))
                .build();
        clients.add(c);
        return c;
    }

    private static boolean succeeds(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static StatusResponse status(Client c, EmbeddedEtcd m) {
        try {
            return c.getMaintenanceClient().statusMember(URI.create(m.grpcEndpoint()).toString()).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String get(Client c, String key) throws Exception {
        GetResponse r = c.getKVClient().get(bs(key)).get(10, TimeUnit.SECONDS);
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(UTF_8);
    }

    @Test
    void writesThroughAnyMemberAreSeenByAllAndMemberListAndStatusAreEtcds() throws Exception {
        List<EmbeddedEtcd> all = startThree(Map.of());
        long leader = agreedLeader(all);
        for (int i = 0; i < 3; i++) {
            Client c = client(all.get(i));
            String key = "k" + i;
            awaitTrue("put through member " + i, () -> succeeds(c.getKVClient().put(bs(key), bs("v"))));
        }
        for (EmbeddedEtcd reader : all) {
            Client c = client(reader);
            for (int i = 0; i < 3; i++) {
                assertThat(get(c, "k" + i)).isEqualTo("v");
            }
            StatusResponse st = status(c, reader);
            assertThat(st.getLeader()).isEqualTo(leader);
            assertThat(st.getRaftIndex()).isPositive();
        }
        awaitTrue("every member at the same revision with the same hash", () -> {
            try {
                return all.stream().map(m -> {
                    Client mc = client(m);
                    try {
                        var h = mc.getMaintenanceClient().hashKV(m.grpcEndpoint(), 0).get(5, TimeUnit.SECONDS);
                        return h.getHeader().getRevision() + "/" + h.getHash();
                    } catch (Exception e) {
                        return e.toString();
                    }
                }).distinct().count() == 1;
            } catch (RuntimeException e) {
                return false;
            }
        });
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
                .containsExactlyInAnyOrder(peerUrl("m1"), peerUrl("m2"), peerUrl("m3"));
    }

    @Test
    void whenTheLeaderIsKilledANewOneIsElectedAndWritesContinue() throws Exception {
        List<EmbeddedEtcd> all = startThree(Map.of());
        long leader = agreedLeader(all);
        Client c = client(all.toArray(EmbeddedEtcd[]::new));
        awaitTrue("first put", () -> succeeds(c.getKVClient().put(bs("before"), bs("1"))));
        String leaderName = running.entrySet().stream().filter(e -> e.getValue().server().memberId() == leader)
                .findFirst().orElseThrow().getKey();
        running.remove(leaderName).close();
        List<EmbeddedEtcd> rest = new ArrayList<>(running.values());
        long started = System.nanoTime();
        long next = agreedLeader(rest, leader);
        long electionMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(next).isNotEqualTo(leader);
        // a few election timeouts (500 ms each), with slack for a loaded CI machine
        assertThat(electionMillis).isLessThan(10_000);
        awaitTrue("put after the leader died", () -> succeeds(c.getKVClient().put(bs("after"), bs("2"))));
        for (EmbeddedEtcd m : rest) {
            Client mc = client(m);
            assertThat(get(mc, "before")).isEqualTo("1");
            assertThat(get(mc, "after")).isEqualTo("2");
        }
    }

    @Test
    void aMemberRestartedAfterFallingBehindASnapshotCatchesUpFromIt() throws Exception {
        Map<String, String> small = Map.of("snapshot-count", "50", "experimental-snapshot-catchup-entries", "10");
        List<EmbeddedEtcd> all = startThree(small);
        agreedLeader(all);
        running.remove("m3").close();
        Client c = client(running.get("m1"), running.get("m2"));
        for (int i = 0; i < 200; i++) {
            String key = "key" + i;
            awaitTrue("put " + key, () -> succeeds(c.getKVClient().put(bs(key), bs("value"))));
        }
        EmbeddedEtcd m3 = start("m3", small);
        Client c3 = client(m3);
        awaitTrue("m3 catches up", () -> {
            try {
                return c3.getKVClient().get(bs("key199"), GetOption.builder().withSerializable(true).build())
                        .get(5, TimeUnit.SECONDS).getCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        // the leader compacted its log past what m3 had, so m3 got the backend from a snapshot
        try (Stream<Path> snaps = Files.list(dir.resolve("m3/member/snap"))) {
            assertThat(snaps.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".snap"));
        }
        GetResponse prefix = c3.getKVClient().get(bs("key"), GetOption.builder().isPrefix(true).withCountOnly(true)
                .withSerializable(true).build()).get(10, TimeUnit.SECONDS);
        assertThat(prefix.getCount()).isEqualTo(200);
    }

    @Test
    void membersAreAddedAsLearnerPromotedAndRemovedThroughJetcd() throws Exception {
        List<EmbeddedEtcd> all = startThree(Map.of());
        agreedLeader(all);
        Client c = client(all.toArray(EmbeddedEtcd[]::new));
        awaitTrue("put", () -> succeeds(c.getKVClient().put(bs("k"), bs("v"))));
        awaitTrue("every member published its name", () -> {
            try {
                return c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers().stream()
                        .noneMatch(m -> m.getName().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
        peerPorts.put("m4", freePort());
        MemberAddResponse added = c.getClusterClient().addMember(List.of(URI.create(peerUrl("m4"))), true)
                .get(10, TimeUnit.SECONDS);
        assertThat(added.getMember().isLearner()).isTrue();
        EmbeddedEtcd m4 = start("m4", Map.of("initial-cluster-state", "existing"));
        assertThat(m4.server().memberId()).isEqualTo(added.getMember().getId());
        Client c4 = client(m4);
        awaitTrue("the learner catches up", () -> {
            try {
                return c4.getKVClient().get(bs("k"), GetOption.builder().withSerializable(true).build())
                        .get(5, TimeUnit.SECONDS).getCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        awaitTrue("the learner is promoted", () -> succeeds(c.getClusterClient().promoteMember(m4.server().memberId())));
        assertThat(c.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers())
                .filteredOn(m -> m.getId() == m4.server().memberId()).singleElement()
                .satisfies(m -> assertThat(m.isLearner()).isFalse());

        long removed = running.get("m2").server().memberId();
        List<Member> afterRemoval = c.getClusterClient().removeMember(removed).get(10, TimeUnit.SECONDS).getMembers();
        assertThat(afterRemoval).extracting(Member::getId).hasSize(3).doesNotContain(removed);
        // the member that took the request answered once it applied the removal; the others apply it in their time
        for (String name : List.of("m1", "m3", "m4")) {
            Client local = client(running.get(name));
            awaitTrue(name + " applied the removal", () -> {
                try {
                    List<Member> members = local.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers();
                    return members.size() == 3 && members.stream().noneMatch(m -> m.getId() == removed);
                } catch (Exception e) {
                    return false;
                }
            });
        }
        Client c1 = client(running.get("m1"));
        awaitTrue("writes continue without the removed member",
                () -> succeeds(c1.getKVClient().put(bs("k2"), bs("v2"))));
        assertThat(get(client(m4), "k2")).isEqualTo("v2");
    }

    @Test
    void aMinorityRefusesLinearizableReadsAndWrites() throws Exception {
        List<EmbeddedEtcd> all = startThree(Map.of());
        agreedLeader(all);
        Client c = client(all.get(0));
        awaitTrue("put", () -> succeeds(c.getKVClient().put(bs("k"), bs("v"))));
        running.remove("m2").close();
        running.remove("m3").close();
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
