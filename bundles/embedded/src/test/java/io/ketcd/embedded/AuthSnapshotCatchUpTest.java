package io.ketcd.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.ketcd.testing.Await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth state travels with the backend: a member that was down while users, roles and auth
 * enable were applied, and that catches up from its leader's snapshot, enforces them as the others do.
 */
class AuthSnapshotCatchUpTest {
    private static final Map<String, String> SMALL = Map.of("snapshot-count", "20", "experimental-snapshot-catchup-entries", "5");

    @TempDir
    Path dir;

    @Test
    void aMemberCaughtUpByASnapshotHasTheUsersRolesAndEnabledAuth() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            cluster.startThree(SMALL);
            cluster.running.remove("m3").close();
            EmbeddedEtcd m1 = cluster.running.get("m1");
            List<String> at = List.of("--endpoints=" + m1.grpcEndpoint());
            assertThat(Command.etcdctl(at, "user", "add", "root:rootpw").out()).isEqualTo("User root created\n");
            assertThat(Command.etcdctl(at, "role", "add", "app").out()).isEqualTo("Role app created\n");
            assertThat(Command.etcdctl(at, "role", "grant-permission", "app", "--prefix=true", "read", "app/").out())
                    .isEqualTo("Role app updated\n");
            assertThat(Command.etcdctl(at, "user", "add", "alice:alicepw").out()).isEqualTo("User alice created\n");
            assertThat(Command.etcdctl(at, "user", "grant-role", "alice", "app").out())
                    .isEqualTo("Role app is granted to user alice\n");
            assertThat(Command.etcdctl(at, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");
            try (Client root = Client.builder().endpoints(m1.grpcEndpoint()).user(PeerCluster.bs("root"))
                    .password(PeerCluster.bs("rootpw")).build()) {
                for (int i = 0; i < 60; i++) {
                    root.getKVClient().put(PeerCluster.bs("app/" + i), PeerCluster.bs("v" + i)).get(30, SECONDS);
                }
            }

            EmbeddedEtcd m3 = cluster.start("m3", SMALL);
            List<String> atM3 = List.of("--endpoints=" + m3.grpcEndpoint(), "--user=alice:alicepw");
            Command[] last = new Command[1];
            Await.until("m3 to catch up and serve alice", Await.DEFAULT_BOUND, () -> {
                try {
                    last[0] = Command.etcdctl(atM3, "get", "--consistency=s", "app/59");
                    return last[0].out().equals("app/59\nv59\n");
                } catch (Exception e) {
                    return false;
                }
            }, () -> "last answer: " + last[0]);
            try (Stream<Path> snaps = Files.list(cluster.dataDir("m3").resolve("member/snap"))) {
                assertThat(snaps.anyMatch(p -> p.getFileName().toString().endsWith(".snap")))
                        .as("m3 installed a snapshot from its leader").isTrue();
            }
            assertThat(Command.etcdctl(atM3, "get", "--consistency=s", "other").err()).contains("etcdserver: permission denied");
            assertThat(Command.etcdctl(List.of("--endpoints=" + m3.grpcEndpoint()), "get", "--consistency=s", "app/1").err())
                    .contains("etcdserver: user name is empty");
        }
    }
}
