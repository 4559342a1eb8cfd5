package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.appliedIndex;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;
import io.ketcd.testing.cluster.KeyWriter;
import io.ketcd.testing.cluster.Members;
import io.ketcd.testing.cluster.Writers;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EmbeddedEtcd#replacePeerNetwork} under load: a 3-member cluster with writers running
 * while one member's peer side moves to a new listener factory (a follower, then the leader),
 * then to none and back. The member stays the same raft member throughout, writes keep being
 * acknowledged, the peer port is served by the new factory's listener, and at the end every
 * member has every acknowledged write at the same revision with the same hash.
 */
class PeerNetworkSwapTest {
    private static final int WRITERS = 3;
    /** Acknowledged writes to wait for after each step: enough to span several heartbeats. */
    private static final int PROGRESS = 30;

    @TempDir
    Path dir;
    private PeerCluster cluster;
    private final List<SocketListenerFactory> factories = new ArrayList<>();
    /** The factory whose listeners each member's peers reach it on now (null: none). */
    private final Map<EmbeddedEtcd, ListenerFactory> current = new HashMap<>();
    private Writers writers;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void tearDown() throws InterruptedException {
        if (writers != null) {
            writers.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        factories.forEach(SocketListenerFactory::close);
    }

    @Test
    void aMembersPeerNetworkIsReplacedUnderWritesWithoutLosingAny() throws Exception {
        cluster = new PeerCluster(dir, "http");
        Map<String, Map<String, String>> plain = new LinkedHashMap<>();
        List.of("m1", "m2", "m3").forEach(n -> plain.put(n, Map.of()));
        List<EmbeddedEtcd> all = cluster.startAll(plain);
        all.forEach(m -> current.put(m, m.listeners()));
        agreedLeader(all);
        Client client = cluster.client(all.toArray(EmbeddedEtcd[]::new));
        KeyWriter through = key -> client.getKVClient().put(PeerCluster.bs(key), PeerCluster.bs(key));
        writers = Writers.start(Collections.nCopies(WRITERS, through).toArray(KeyWriter[]::new));
        writers.awaitMore(PROGRESS, PeerCluster.BOUND);

        EmbeddedEtcd follower = member(all, false);
        swapToNewFactory(follower, "a follower");

        EmbeddedEtcd leader = member(all, true);
        swapToNewFactory(leader, "the leader");

        // no factory: peers cannot reach the member; writes go on through the other two
        EmbeddedEtcd detached = member(all, false);
        Listener old = peerListener(current.get(detached));
        int port = ((InetSocketAddress) old.localAddress()).getPort();
        detached.replacePeerNetwork(null, TlsPolicy.disabled(TlsRole.PEER));
        current.put(detached, null);
        assertThat(old.channel().isOpen()).isFalse();
        // at once: replacing the peer network returns with the old port released (the next bind depends on it)
        assertThat(refuses(port)).as("the detached member's peer port %d refuses connections", port).isTrue();
        writers.awaitMore(PROGRESS, PeerCluster.BOUND);
        // back on a factory: it serves its peer port again and catches up with the leader
        swapToNewFactory(detached, "the detached member");
        EmbeddedEtcd lead = member(all, true);
        long leaderApplied = appliedIndex(lead);
        awaitTrue("the detached member catches up with the leader",
                () -> appliedIndex(detached) >= leaderApplied);

        Set<String> acknowledged = writers.stop();
        assertThat(acknowledged).hasSizeGreaterThan(4 * PROGRESS);

        awaitTrue("every member at the same revision with the same hash",
                () -> all.stream().map(m -> Members.revisionAndHash(m.server())).distinct().count() == 1);
        for (EmbeddedEtcd m : all) {
            assertThat(Members.localKeys(m.server(), Writers.KEYS_FROM, Writers.KEYS_TO)).as("writes on member %x", m.server().memberId()).containsAll(acknowledged);
        }
    }

    /**
     * Moves {@code m}'s peer side to a new factory (with a new, plaintext peer policy) and checks
     * the new listener serves the same URL, the member is the same raft member, its applied index
     * keeps rising and writes keep being acknowledged.
     */
    private void swapToNewFactory(EmbeddedEtcd m, String which) throws Exception {
        long id = m.server().memberId();
        ListenerFactory before = current.get(m);
        Listener old = before == null ? null : peerListener(before);
        URI url = m.server().config().listenPeerUrls().get(0);
        long applied = appliedIndex(m);

        SocketListenerFactory next = new SocketListenerFactory(TransportSettings.from(Map.of(), Map.of()),
                TlsPolicy.disabled(TlsRole.CLIENT), TlsPolicy.disabled(TlsRole.PEER));
        factories.add(next);
        m.replacePeerNetwork(next, TlsPolicy.disabled(TlsRole.PEER));
        current.put(m, next);

        Listener fresh = peerListener(next);
        assertThat(fresh.url()).as("%s's new listener", which).isEqualTo(url);
        assertThat(fresh.channel().isOpen()).isTrue();
        assertThat(((InetSocketAddress) fresh.localAddress()).getPort()).isEqualTo(url.getPort());
        if (old != null) {
            assertThat(fresh).isNotSameAs(old);
            assertThat(old.channel().isOpen()).as("%s's old listener is closed", which).isFalse();
            assertThat(before.openListeners()).doesNotContain(old);
        }
        HttpResponse<String> members = http.send(HttpRequest.newBuilder(url.resolve("/members"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(members.statusCode()).as("GET /members on %s's new listener", which).isEqualTo(200);
        assertThat(members.headers().firstValue("X-Etcd-Cluster-ID"))
                .contains(Long.toHexString(m.server().clusterId()));

        assertThat(m.server().memberId()).isEqualTo(id);
        awaitTrue(which + " keeps applying", () -> appliedIndex(m) > applied + PROGRESS);
        writers.awaitMore(PROGRESS, PeerCluster.BOUND);
    }

    private static EmbeddedEtcd member(List<EmbeddedEtcd> all, boolean leader) {
        long lead = agreedLeader(all);
        return all.stream().filter(m -> (m.server().memberId() == lead) == leader).findFirst().orElseThrow();
    }

    private static Listener peerListener(ListenerFactory factory) {
        List<Listener> peers = factory.openListeners().stream().filter(l -> l.role() == ListenerRole.PEER).toList();
        assertThat(peers).hasSize(1);
        return peers.get(0);
    }

    private static boolean refuses(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
