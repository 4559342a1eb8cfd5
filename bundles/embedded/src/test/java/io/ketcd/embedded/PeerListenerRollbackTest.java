package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.ketcd.testing.FreePorts;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's startup order and its rollback: the peer listeners open first, all or none, then the
 * data directory; a start that fails at any point closes what it opened (ports, backend, WAL,
 * threads), so the same ports and data directory serve the next start.
 */
class PeerListenerRollbackTest {
    @TempDir
    Path dir;
    private EmbeddedEtcd etcd;

    @AfterEach
    void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private Map<String, String> config(String listenPeerUrls, String advertised, String initialCluster) {
        return Map.of(
                "name", "solo",
                "data-dir", dir.resolve("node").toString(),
                "listen-client-urls", "http://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", listenPeerUrls,
                "initial-advertise-peer-urls", advertised,
                "initial-cluster", initialCluster);
    }

    @Test
    void aTakenSecondPeerPortFailsTheStartNamingItAndFreesTheFirst() throws Exception {
        String first = "http://127.0.0.1:" + FreePorts.one();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            String second = "http://127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedEtcd.start(config(first + "," + second, first, "solo=" + first)))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("listen-peer-urls " + second + ":")
                    .hasMessageNotContaining(first);
        }
        // closed synchronously: the first listener was bound but never served
        assertThat(FreePorts.bindable(port(first))).as("the first peer port %s is free again", first).isTrue();
        // peer listeners open before the data directory, as in etcd: nothing of it was created
        assertThat(dir.resolve("node/member")).doesNotExist();
        awaitNoNewKetcdThreads(before);

        String fresh = "http://127.0.0.1:" + FreePorts.one();
        etcd = EmbeddedEtcd.start(config(first + "," + fresh, first, "solo=" + first));
        assertServes(etcd);
    }

    @Test
    void aFailureAfterTheDataDirOpenedClosesThePeerListenersAndTheDataDir() throws Exception {
        String first = "http://127.0.0.1:" + FreePorts.one();
        String second = "http://127.0.0.1:" + FreePorts.one();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        // both peer listeners open, the backend opens, then bootstrapping refuses the cluster
        assertThatThrownBy(() -> EmbeddedEtcd.start(config(first + "," + second, first, "other=" + first)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("couldn't find local name \"solo\"");
        assertThat(dir.resolve("node/member/snap/db")).exists();
        assertThat(FreePorts.bindable(port(first))).as("peer port %s is free again", first).isTrue();
        assertThat(FreePorts.bindable(port(second))).as("peer port %s is free again", second).isTrue();
        awaitNoNewKetcdThreads(before);

        // the backend's file lock was released: the same data directory opens again
        etcd = EmbeddedEtcd.start(config(first + "," + second, first, "solo=" + first));
        assertServes(etcd);
        assertThat(etcd.listeners().openListeners()).filteredOn(l -> l.role() == io.ketcd.api.transport.ListenerRole.PEER)
                .extracting(l -> l.url().toString()).containsExactly(first, second);
    }

    private static void assertServes(EmbeddedEtcd etcd) throws Exception {
        try (Client c = Client.builder().endpoints(etcd.grpcEndpoint()).build()) {
            assertThat(c.getKVClient().put(bs("k"), bs("v")).get(20, TimeUnit.SECONDS).getHeader().getRevision())
                    .isEqualTo(2);
        }
    }

    /** Threads of the member (raft, apply, peer transport: all named {@code ketcd-...}) started since {@code before}. */
    private static void awaitNoNewKetcdThreads(Set<Thread> before) {
        awaitTrue("no thread of the failed start left", () -> newKetcdThreads(before).isEmpty());
    }

    private static List<String> newKetcdThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName).filter(n -> n.startsWith("ketcd")).collect(Collectors.toList());
    }

    private static int port(String url) {
        return java.net.URI.create(url).getPort();
    }
}
