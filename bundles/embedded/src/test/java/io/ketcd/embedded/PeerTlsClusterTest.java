package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.BOUND;
import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.tls.TestPki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members with {@code https} peer URLs: mutual TLS from given certificates (one CA, {@code
 * peer-client-cert-auth}) and from {@code peer-auto-tls}; and members the cluster must refuse, a
 * certificate from another CA and a CN outside {@code peer-cert-allowed-cn}. As in etcd, a member
 * started with {@code initial-cluster-state=existing} first fetches the cluster from its peers
 * ({@code GET /members}); when the peers refuse its certificate that fetch fails, and so does its
 * start ("could not retrieve cluster information"), before it writes a WAL or takes any data.
 */
class PeerTlsClusterTest {
    private static final String MEMBER_CN = "member.ketcd";

    @TempDir
    Path dir;
    private TestPki pki;
    private PeerCluster cluster;
    /** Starts that may not finish (a fetch that hangs): run here, bounded, and shut down last. */
    private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-member-start");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void setUp() {
        pki = TestPki.create(dir.resolve("pki"), "ketcd peer CA");
        cluster = new PeerCluster(dir, "https");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        starter.shutdownNow();
    }

    /** Mutual TLS from files: {@code leaf} is served and presented, {@code trustedCa} verifies the other side. */
    private static Map<String, String> mutualTls(TestPki.Leaf leaf, Path trustedCa) {
        return Map.of(
                "peer-cert-file", leaf.certFile().toString(),
                "peer-key-file", leaf.keyFile().toString(),
                "peer-trusted-ca-file", trustedCa.toString(),
                "peer-client-cert-auth", "true");
    }

    private static Map<String, String> with(Map<String, String> base, String... keyValues) {
        Map<String, String> out = new LinkedHashMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    /** m1..m3, each with its own certificate of {@code pki} (CN {@code cn}), plus {@code extra}. */
    private List<EmbeddedEtcd> startThree(String cn, String... extra) throws IOException {
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (String n : List.of("m1", "m2", "m3")) {
            TestPki.Leaf leaf = pki.leaf(cn == null ? n : cn).sans("127.0.0.1", "localhost").write();
            byName.put(n, with(mutualTls(leaf, pki.caFile()), extra));
        }
        return cluster.startAll(byName);
    }

    private static void put(Client c, String key, String value) {
        awaitTrue("put " + key, () -> {
            try {
                c.getKVClient().put(bs(key), bs(value)).get(5, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static List<Member> members(Client c) throws Exception {
        return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
    }

    private static void awaitAllPublished(Client c, int count) {
        awaitTrue(count + " members published their names", () -> {
            try {
                List<Member> ms = members(c);
                return ms.size() == count && ms.stream().noneMatch(m -> m.getName().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void givenCertificatesWithClientCertAuthFormAClusterThatReplicates() throws Exception {
        List<EmbeddedEtcd> all = startThree(null);
        for (EmbeddedEtcd m : all) {
            List<Listener> peers = m.listeners().openListeners().stream().filter(l -> l.role() == ListenerRole.PEER)
                    .toList();
            assertThat(peers).singleElement().satisfies(l -> assertThat(l.tls()).isPresent());
        }
        long leader = agreedLeader(all);
        assertThat(all).extracting(m -> m.server().memberId()).contains(leader);

        Client writer = cluster.client(all.get(0));
        put(writer, "tls/k", "written through m1");
        for (EmbeddedEtcd reader : all.subList(1, 3)) {
            Client c = cluster.client(reader);
            // linearizable: the read index comes from the leader over the TLS peer connections
            assertThat(c.getKVClient().get(bs("tls/k")).get(10, TimeUnit.SECONDS).getKvs())
                    .singleElement().satisfies(kv -> assertThat(kv.getValue().toString(UTF_8)).isEqualTo("written through m1"));
        }

        awaitAllPublished(writer, 3);
        assertThat(members(writer)).extracting(m -> m.getPeerURIs().stream().map(URI::toString).toList())
                .containsExactlyInAnyOrder(List.of(cluster.peerUrl("m1")), List.of(cluster.peerUrl("m2")),
                        List.of(cluster.peerUrl("m3")));
        assertThat(cluster.peerUrl("m1")).startsWith("https://");
    }

    @Test
    void peerAutoTlsFormsAClusterThatReplicates() throws Exception {
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (String n : List.of("m1", "m2", "m3")) {
            byName.put(n, Map.of("peer-auto-tls", "true"));
        }
        List<EmbeddedEtcd> all = cluster.startAll(byName);
        for (String n : byName.keySet()) {
            assertThat(cluster.dataDir(n).resolve("fixtures/peer/cert.pem")).isRegularFile();
        }
        agreedLeader(all);
        put(cluster.client(all.get(0)), "auto/k", "v");
        for (EmbeddedEtcd m : all) {
            awaitTrue("the write reaches " + m.server().memberId(), () -> "v".equals(cluster.localValue(m, "auto/k")));
        }
        assertThat(all.get(1).listeners().openListeners()).filteredOn(l -> l.role() == ListenerRole.PEER)
                .singleElement().satisfies(l -> assertThat(l.tls()).isPresent());
    }

    @Test
    void aMemberWithACertificateFromAnotherCaCannotJoin() throws Exception {
        List<EmbeddedEtcd> all = startThree(null);
        agreedLeader(all);
        Client c = cluster.client(all.toArray(EmbeddedEtcd[]::new));
        put(c, "data", "for members only");
        awaitAllPublished(c, 3);

        // m4 trusts the cluster's CA, so the refusal can only be the cluster's
        TestPki.Leaf stranger = TestPki.create(dir.resolve("other-pki"), "another CA").leaf("m4")
                .sans("127.0.0.1", "localhost").write();
        Map<String, String> m4 = with(mutualTls(stranger, pki.caFile()), "initial-cluster-state", "existing");

        assertRefusedToJoin(c, all, m4);

        // the same member with a certificate of the cluster's CA joins: nothing but the certificate kept it out
        pki.leaf("m4").sans("127.0.0.1", "localhost").write(stranger.certFile(), stranger.keyFile());
        assertJoins("m4", m4);
    }

    @Test
    void aMemberWhoseCnIsNotAllowedCannotJoin() throws Exception {
        List<EmbeddedEtcd> all = startThree(MEMBER_CN, "peer-cert-allowed-cn", MEMBER_CN);
        agreedLeader(all);
        Client c = cluster.client(all.toArray(EmbeddedEtcd[]::new));
        put(c, "data", "for members only");
        awaitAllPublished(c, 3);

        TestPki.Leaf intruder = pki.leaf("intruder").sans("127.0.0.1", "localhost").write();
        Map<String, String> m4 = with(mutualTls(intruder, pki.caFile()), "initial-cluster-state", "existing");

        assertRefusedToJoin(c, all, m4);

        pki.leaf(MEMBER_CN).sans("127.0.0.1", "localhost").write(intruder.certFile(), intruder.keyFile());
        assertJoins("m4", m4);
    }

    /**
     * Adds m4 (a voter) with jetcd and starts it with {@code m4Config}: the start fails, within a
     * bound, because the peers refuse the TLS connection of its cluster fetch; nothing of the
     * cluster's reaches it, and the three members keep serving.
     */
    private void assertRefusedToJoin(Client c, List<EmbeddedEtcd> three, Map<String, String> m4Config) throws Exception {
        cluster.reserve("m4");
        MemberAddResponse added = c.getClusterClient().addMember(List.of(URI.create(cluster.peerUrl("m4"))), false)
                .get(10, TimeUnit.SECONDS);
        assertThat(added.getMember().getPeerURIs()).containsExactly(URI.create(cluster.peerUrl("m4")));

        Throwable refused = failedStart("m4", m4Config);
        assertThat(refused).isInstanceOf(IOException.class)
                .hasMessageContaining("could not retrieve cluster information")
                .hasMessageContaining(cluster.peerUrl("m1"));
        assertThat(cluster.running).doesNotContainKey("m4");

        // no WAL: it never learned its identity, let alone entries; the peer port it opened first is free again
        Path wal = cluster.dataDir("m4").resolve("member/wal");
        if (Files.isDirectory(wal)) {
            try (Stream<Path> files = Files.list(wal)) {
                assertThat(files).isEmpty();
            }
        }
        assertThat(cluster.dataDir("m4").resolve("member/snap")).isDirectoryNotContaining("glob:**.snap");
        awaitTrue("m4's peer port is free again", () -> canBind(cluster.peerPort("m4")));

        // the three keep serving (3 of 4 voters are a quorum); m4 stays added and never started
        for (EmbeddedEtcd m : three) {
            put(cluster.client(m), "after/" + m.server().memberId(), "ok");
        }
        assertThat(members(c)).filteredOn(m -> m.getId() == added.getMember().getId()).singleElement()
                .satisfies(m -> assertThat(m.getName()).isEmpty());
    }

    private void assertJoins(String name, Map<String, String> config) throws Exception {
        EmbeddedEtcd joined = cluster.start(name, config);
        awaitTrue(name + " catches up", () -> "for members only".equals(cluster.localValue(joined, "data")));
    }

    /** Starts {@code name}, expecting the start to fail within {@link PeerCluster#BOUND}; returns why. */
    private Throwable failedStart(String name, Map<String, String> extra) throws InterruptedException {
        CompletableFuture<EmbeddedEtcd> start = CompletableFuture.supplyAsync(() -> {
            try {
                return cluster.start(name, extra);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, starter);
        try {
            EmbeddedEtcd started = start.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            return fail("%s started, with member id %x, though the cluster must refuse it", name,
                    started.server().memberId());
        } catch (ExecutionException e) {
            return e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
        } catch (TimeoutException e) {
            return fail("the start of %s neither succeeded nor failed within %s", name, BOUND);
        }
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
