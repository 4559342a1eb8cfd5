package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.bs;
import static io.ketcd.embedded.PeerCluster.configWith;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.ketcd.server.AutoCompaction;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.ServerConfig;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's auto-compaction end to end, on members on real sockets: the leader compacts through the
 * log, so every member loses the old revisions, and a Range at one fails with etcd's "mvcc:
 * required revision has been compacted". Periodic mode with a sub-second retention, which etcd
 * accepts, keeps the tests short; revision mode looks only every 5 minutes, as in etcd, so its
 * decisions are checked in AutoCompactorTest.
 */
class EmbeddedAutoCompactionTest {
    private static final String COMPACTED = "mvcc: required revision has been compacted";
    private static final Map<String, String> PERIODIC_500MS = Map.of(
            "auto-compaction-mode", "periodic", "auto-compaction-retention", "500ms");

    @TempDir
    Path dir;

    @Test
    void theLeaderCompactsPeriodicallyAndEveryMemberLosesTheOldRevisions() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            List<EmbeddedEtcd> members = cluster.startThree(PERIODIC_500MS);
            for (EmbeddedEtcd m : members) {
                assertThat(m.server().config().autoCompaction())
                        .isEqualTo(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofMillis(500), 0));
            }
            Client client = cluster.client(members.toArray(EmbeddedEtcd[]::new));
            long first = client.getKVClient().put(bs("k"), bs("v1")).get(10, SECONDS).getHeader().getRevision();
            long last = client.getKVClient().put(bs("k"), bs("v2")).get(10, SECONDS).getHeader().getRevision();

            for (EmbeddedEtcd m : members) {
                Client local = cluster.client(m);
                Await.until("revision " + first + " compacted on " + m.grpcEndpoint(), () -> compactedAt(local, first));
                // nothing was written after the last revision, so no compaction goes past it
                assertThat(valueAt(local, "k", last)).isEqualTo("v2");
            }
            String all = "--endpoints=" + String.join(",", members.stream().map(EmbeddedEtcd::grpcEndpoint).toList());
            Command old = Command.etcdctl(List.of(all), "get", "k", "--rev=" + first);
            assertThat(old.exit()).isNotZero();
            assertThat(old.err()).contains("Error: etcdserver: " + COMPACTED);
        }
    }

    @Test
    void aRunningMemberTakesNewSettingsWithoutARestart() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            cluster.reserve("m1");
            EmbeddedEtcd member = cluster.start("m1", Map.of(
                    "auto-compaction-mode", "revision", "auto-compaction-retention", "1000"));
            agreedLeader(List.of(member));
            assertThat(member.server().config().autoCompaction())
                    .isEqualTo(new AutoCompaction(AutoCompaction.Mode.REVISION, Duration.ZERO, 1000));
            Client client = cluster.client(member);
            long first = client.getKVClient().put(bs("k"), bs("v1")).get(10, SECONDS).getHeader().getRevision();
            long last = client.getKVClient().put(bs("k"), bs("v2")).get(10, SECONDS).getHeader().getRevision();
            assertThat(valueAt(client, "k", first)).isEqualTo("v1");

            // refused with etcd's text, and nothing changes
            assertThatThrownBy(() -> member.server().configure(configWith(member, "auto-compaction-mode", "foo")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown auto-compaction-mode \"foo\"");
            assertThatThrownBy(() -> member.server().configure(configWith(member, "auto-compaction-mode", "periodic",
                    "auto-compaction-retention", "abc")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("error parsing CompactionRetention: time: invalid duration \"abc\"");
            assertThat(member.server().config().autoCompaction().mode()).isEqualTo(AutoCompaction.Mode.REVISION);

            KetcdServer.Reconfiguration applied = member.server().configure(configWith(member,
                    "auto-compaction-mode", "periodic", "auto-compaction-retention", "500ms"));
            assertThat(applied.changedKeys()).containsExactly("auto-compaction-mode", "auto-compaction-retention");
            assertThat(applied.restarted()).isFalse();
            assertThat(member.server().config().autoCompaction())
                    .isEqualTo(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofMillis(500), 0));
            Await.until("revision " + first + " compacted", () -> compactedAt(client, first));
            assertThat(valueAt(client, "k", last)).isEqualTo("v2");
            assertThat(member.memberRestarts()).isZero();
        }
    }

    /** Whether {@code client}'s member answers a Range at {@code revision} with etcd's "compacted" error. */
    private static boolean compactedAt(Client client, long revision) {
        try {
            valueAt(client, "k", revision);
            return false;
        } catch (ExecutionException e) {
            if (String.valueOf(e.getCause().getMessage()).contains(COMPACTED)) {
                return true;
            }
            throw new AssertionError("a Range at revision " + revision + " failed otherwise", e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The value of {@code key} at {@code revision} in the member's own store (a serializable read). */
    private static String valueAt(Client client, String key, long revision) throws Exception {
        var kvs = client.getKVClient().get(bs(key), GetOption.builder().withRevision(revision)
                .withSerializable(true).build()).get(10, SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(UTF_8);
    }
}
