package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.bs;
import static io.ketcd.embedded.PeerCluster.configWith;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.ServerConfig;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running member given a new configuration ({@link KetcdServer#configure}): a key it follows
 * live (the watch progress interval) takes effect on a watch stream that is already open, with
 * no restart; a key that needs one (snapshot-count) restarts the member from its data
 * directory with its data intact; an invalid value is refused with etcd's message.
 */
class EmbeddedReconfigurationTest {
    @TempDir
    Path dir;

    @Test
    void liveKeysApplyInPlaceOthersRestartTheMemberAndInvalidValuesAreRefused() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            cluster.reserve("m1");
            EmbeddedEtcd member = cluster.start("m1", Map.of("experimental-watch-progress-notify-interval", "10m"));
            agreedLeader(List.of(member));
            Client client = cluster.client(member);
            long written = client.getKVClient().put(bs("k"), bs("before")).get(10, SECONDS).getHeader().getRevision();
            long term = member.server().status().get(10, SECONDS).getRaftTerm();

            AtomicInteger progressNotices = new AtomicInteger();
            AtomicInteger events = new AtomicInteger();
            try (Watch.Watcher watcher = client.getWatchClient().watch(bs("watched"),
                    WatchOption.builder().withProgressNotify(true).build(), response -> {
                        if (response.isProgressNotify()) {
                            progressNotices.incrementAndGet();
                        }
                        events.addAndGet(response.getEvents().size());
                    })) {
                // an event proves the stream open (at the 10m interval) before the change
                Await.until("the watch's first event", () -> {
                    put(client, "watched");
                    return events.get() > 0;
                });
                KetcdServer.Reconfiguration live = member.server().configure(
                        configWith(member, "experimental-watch-progress-notify-interval", "200ms"));
                assertThat(live.changedKeys()).containsExactly("experimental-watch-progress-notify-interval");
                assertThat(live.restarted()).isFalse();
                Await.until("progress notices every 200 ms on the stream opened at 10m", () -> progressNotices.get() >= 3);
            }
            assertThat(member.server().status().get(10, SECONDS).getRaftTerm()).as("the same member, no new election").isEqualTo(term);

            assertThatThrownBy(() -> configWith(member, "heartbeat-interval", "abc"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("invalid value \"abc\" for flag -heartbeat-interval: parse error");
            assertThatThrownBy(() -> configWith(member, "election-timeout", "200"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[50ms]");
            assertThatThrownBy(() -> configWith(member, "log-level", "loud"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("invalid value \"loud\" for flag -log-level: unknown level \"loud\"");

            KetcdServer.Reconfiguration restart = member.server().configure(configWith(member, "snapshot-count", "5000"));
            assertThat(restart.changedKeys()).containsExactly("snapshot-count");
            assertThat(restart.restarted()).isTrue();
            assertThat(member.server().config().snapshotCount()).isEqualTo(5000);
            agreedLeader(List.of(member));
            Client after = cluster.client(member);
            var kv = after.getKVClient().get(bs("k")).get(10, SECONDS).getKvs();
            assertThat(kv).hasSize(1);
            assertThat(kv.get(0).getValue().toString()).isEqualTo("before");
            assertThat(kv.get(0).getModRevision()).isEqualTo(written);
            assertThat(member.server().configure(configWith(member)).changedKeys()).as("the same configuration again").isEmpty();
        }
    }


    private static void put(Client client, String key) {
        try {
            client.getKVClient().put(bs(key), bs("v")).get(10, SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
