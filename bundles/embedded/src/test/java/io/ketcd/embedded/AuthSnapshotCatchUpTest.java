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
            List<EmbeddedEtcd> members = cluster.startThree(SMALL);
            // the one stopped is a follower, so the other two keep their leader and take the changes at once
            long leader = PeerCluster.agreedLeader(members);
            String behind = cluster.running.entrySet().stream().filter(e -> e.getValue().server().memberId() != leader)
                    .findFirst().orElseThrow().getKey();
            cluster.running.remove(behind).close();
            EmbeddedEtcd leading = cluster.running.values().stream().filter(m -> m.server().memberId() == leader)
                    .findFirst().orElseThrow();
            List<String> at = List.of("--endpoints=" + leading.grpcEndpoint());
            assertThat(Command.etcdctl(at, "user", "add", "root:rootpw").out()).isEqualTo("User root created\n");
            assertThat(Command.etcdctl(at, "role", "add", "app").out()).isEqualTo("Role app created\n");
            assertThat(Command.etcdctl(at, "role", "grant-permission", "app", "--prefix=true", "read", "app/").out())
                    .isEqualTo("Role app updated\n");
            assertThat(Command.etcdctl(at, "user", "add", "alice:alicepw").out()).isEqualTo("User alice created\n");
            assertThat(Command.etcdctl(at, "user", "grant-role", "alice", "app").out())
                    .isEqualTo("Role app is granted to user alice\n");
            assertThat(Command.etcdctl(at, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");
            try (Client root = Client.builder().endpoints(leading.grpcEndpoint()).user(PeerCluster.bs("root"))
                    .password(PeerCluster.bs("rootpw")).build()) {
                for (int i = 0; i < 60; i++) {
                    root.getKVClient().put(PeerCluster.bs("app/" + i), PeerCluster.bs("v" + i)).get(30, SECONDS);
                }
            }

            EmbeddedEtcd caughtUp = cluster.start(behind, SMALL);
            List<String> atM3 = List.of("--endpoints=" + caughtUp.grpcEndpoint(), "--user=alice:alicepw");
            Command[] last = new Command[1];
            Await.until("the member to catch up and serve alice", Await.DEFAULT_BOUND, () -> {
                try {
                    last[0] = Command.etcdctl(atM3, "get", "--consistency=s", "app/59");
                    return last[0].out().equals("app/59\nv59\n");
                } catch (Exception e) {
                    return false;
                }
            }, () -> "last answer: " + last[0]);
            try (Stream<Path> snaps = Files.list(cluster.dataDir(behind).resolve("member/snap"))) {
                assertThat(snaps.anyMatch(p -> p.getFileName().toString().endsWith(".snap")))
                        .as("it installed a snapshot from its leader").isTrue();
            }
            assertThat(Command.etcdctl(atM3, "get", "--consistency=s", "other").err()).contains("etcdserver: permission denied");
            assertThat(Command.etcdctl(List.of("--endpoints=" + caughtUp.grpcEndpoint()), "get", "--consistency=s", "app/1").err())
                    .contains("etcdserver: user name is empty");
        }
    }
}
