package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.appliedIndex;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import com.google.protobuf.ByteString;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

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
    private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
        Thread t = new Thread(r, "test-writer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean stopWriting = new AtomicBoolean();
    private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void tearDown() throws InterruptedException {
        stopWriting.set(true);
        writers.shutdownNow();
        writers.awaitTermination(30, TimeUnit.SECONDS);
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
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.execute(() -> write(client, writer));
        }
        awaitAcknowledged(acknowledged.size() + PROGRESS);

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
        awaitAcknowledged(acknowledged.size() + PROGRESS);
        // back on a factory: it serves its peer port again and catches up with the leader
        swapToNewFactory(detached, "the detached member");
        EmbeddedEtcd lead = member(all, true);
        long leaderApplied = appliedIndex(lead);
        awaitTrue("the detached member catches up with the leader",
                () -> appliedIndex(detached) >= leaderApplied);

        stopWriting.set(true);
        writers.shutdown();
        assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).as("writers stopped").isTrue();
        assertThat(acknowledged).hasSizeGreaterThan(4 * PROGRESS);

        awaitTrue("every member at the same revision with the same hash",
                () -> all.stream().map(PeerNetworkSwapTest::revisionAndHash).distinct().count() == 1);
        Set<String> expected = new HashSet<>(acknowledged);
        for (EmbeddedEtcd m : all) {
            assertThat(keys(m)).as("writes on member %x", m.server().memberId()).containsAll(expected);
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
        awaitAcknowledged(acknowledged.size() + PROGRESS);
    }

    /** Puts {@code w<writer>/<n>} = the same, in turn, until told to stop; records each acknowledged one. */
    private void write(Client client, int writer) {
        for (int n = 0; !stopWriting.get(); n++) {
            String key = "w" + writer + "/" + n;
            try {
                client.getKVClient().put(bs(key), bs(key)).get(10, TimeUnit.SECONDS);
                acknowledged.add(key);
            } catch (ExecutionException | TimeoutException e) {
                // not acknowledged: it may or may not be applied, and is not checked
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void awaitAcknowledged(int count) {
        awaitTrue(count + " acknowledged writes", () -> acknowledged.size() >= count);
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

    private static String revisionAndHash(EmbeddedEtcd m) {
        try {
            HashKVResponse h = m.server().hashKV(HashKVRequest.getDefaultInstance()).get(10, TimeUnit.SECONDS);
            return h.getHeader().getRevision() + "/" + h.getHash();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static Set<String> keys(EmbeddedEtcd m) throws Exception {
        var all = m.server().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("w"))
                .setRangeEnd(ByteString.copyFromUtf8("x")).setKeysOnly(true).setSerializable(true).build())
                .get(10, TimeUnit.SECONDS);
        Set<String> out = new HashSet<>();
        all.getKvsList().forEach(kv -> out.add(kv.getKey().toStringUtf8()));
        return out;
    }
}
