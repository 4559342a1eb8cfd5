package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.bs;
import static io.ketcd.testing.cluster.Members.agreedLeader;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.ketcd.testing.Await;
import io.ketcd.testing.cluster.TestMember;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watch through real clients against a 3-member cluster on real sockets: jetcd watching on a
 * follower what is written through the leader, across a member restart and a leader change; and
 * Debian's etcdctl 3.4 printing exactly what it prints against etcd 3.4.23 for the same writes.
 */
class WatchClusterTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private EmbeddedCluster cluster;
    private List<TestMember> members;

    @BeforeEach
    void start() throws Exception {
        cluster = new EmbeddedCluster(dir);
        members = cluster.startNew(List.of("m1", "m2", "m3"), Map.of());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private Client client(TestMember... through) {
        return cluster.peers.client(java.util.Arrays.stream(through).map(m -> cluster.etcd(m.name()))
                .toArray(EmbeddedEtcd[]::new));
    }

    private TestMember follower(TestMember leader) {
        return members.stream().filter(m -> m != leader).findFirst().orElseThrow();
    }

    private static String describe(WatchEvent e) {
        String kv = e.getKeyValue().getKey().toString(UTF_8) + "@" + e.getKeyValue().getModRevision()
                + (e.getEventType() == WatchEvent.EventType.PUT ? "=" + e.getKeyValue().getValue().toString(UTF_8) : "");
        String prev = e.getPrevKV() == null || e.getPrevKV().getKey().isEmpty() ? ""
                : " prev=" + e.getPrevKV().getValue().toString(UTF_8);
        return e.getEventType() + " " + kv + prev;
    }

    @Test
    void aFollowerServesHistoryThenLiveEventsWithPreviousValues() throws Exception {
        TestMember leader = agreedLeader(members);
        Client writer = client(leader);
        long first = writer.getKVClient().put(bs("p/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        writer.getKVClient().put(bs("p/b"), bs("2")).get(10, TimeUnit.SECONDS);

        List<String> seen = new CopyOnWriteArrayList<>();
        Client watcher = client(follower(leader));
        watcher.getWatchClient().watch(bs("p/"), WatchOption.builder().isPrefix(true).withRevision(first)
                .withPrevKV(true).build(), r -> r.getEvents().forEach(e -> seen.add(describe(e))));

        writer.getKVClient().put(bs("p/a"), bs("3")).get(10, TimeUnit.SECONDS);
        writer.getKVClient().delete(bs("p/b")).get(10, TimeUnit.SECONDS);
        writer.getKVClient().put(bs("q"), bs("9")).get(10, TimeUnit.SECONDS);
        Txn txn = writer.getKVClient().txn();
        long last = txn.Then(Op.put(bs("p/c"), bs("5"), PutOption.DEFAULT), Op.delete(bs("p/a"), DeleteOption.DEFAULT))
                .commit().get(10, TimeUnit.SECONDS).getHeader().getRevision();
        Await.until("six events on the follower", BOUND, () -> seen.size() >= 6);
        assertThat(seen).containsExactly(
                "PUT p/a@" + first + "=1",
                "PUT p/b@" + (first + 1) + "=2",
                "PUT p/a@" + (first + 2) + "=3 prev=1",
                "DELETE p/b@" + (first + 3) + " prev=2",
                "PUT p/c@" + last + "=5",
                "DELETE p/a@" + last + " prev=3");
    }

    /**
     * A jetcd watch on one member while writes go on: the member's core restarts (its streams end
     * with "server stopped", jetcd watches again from its last revision + 1), then the leader
     * stops and another is elected. The watcher sees every write exactly once, in order.
     */
    @Test
    void aWatcherMissesNothingAcrossAMemberRestartAndALeaderChange() throws Exception {
        TestMember leader = agreedLeader(members);
        TestMember watched = follower(leader);
        TestMember third = members.stream().filter(m -> m != leader && m != watched).findFirst().orElseThrow();
        Client writer = client(members.toArray(TestMember[]::new));
        long start = writer.getKVClient().put(bs("w/start"), bs("0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        List<Long> revisions = new CopyOnWriteArrayList<>();
        Client watcher = client(watched);
        watcher.getWatchClient().watch(bs("w/"), WatchOption.builder().isPrefix(true).withRevision(start).build(),
                r -> r.getEvents().forEach(e -> revisions.add(e.getKeyValue().getModRevision())));

        List<Long> written = new ArrayList<>(List.of(start));
        write(writer, written, 20);
        EmbeddedEtcd restarted = cluster.etcd(watched.name());
        restarted.server().reconfigure(restarted.server().config());
        write(writer, written, 20);
        cluster.stop(leader.name());
        agreedLeader(List.of(watched, third), leader.memberId());
        write(writer, written, 20);

        long lastWritten = written.get(written.size() - 1);
        Await.until("the watcher saw the last write", BOUND,
                () -> !revisions.isEmpty() && revisions.get(revisions.size() - 1) >= lastWritten);
        assertThat(revisions).as("every revision once, in order").doesNotHaveDuplicates().isSorted();
        assertThat(revisions).containsAll(written);
    }

    /** Puts {@code count} keys, retrying a put that fails while members restart or elect; records the revisions. */
    private static void write(Client writer, List<Long> revisions, int count) {
        for (int i = 0; i < count; i++) {
            String key = "w/" + revisions.size();
            long[] rev = new long[1];
            Await.until("a put of " + key, BOUND, () -> {
                try {
                    rev[0] = writer.getKVClient().put(bs(key), bs("v")).get(10, TimeUnit.SECONDS).getHeader()
                            .getRevision();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            revisions.add(rev[0]);
        }
    }

    @Test
    void etcdctlWatchPrintsWhatItPrintsAgainstEtcd() throws Exception {
        TestMember leader = agreedLeader(members);
        Client writer = client(leader);
        long first = writer.getKVClient().put(bs("p/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        writer.getKVClient().put(bs("p/b"), bs("2")).get(10, TimeUnit.SECONDS);
        writer.getKVClient().put(bs("p/a"), bs("3")).get(10, TimeUnit.SECONDS);
        writer.getKVClient().delete(bs("p/b")).get(10, TimeUnit.SECONDS);
        String endpoint = cluster.etcd(follower(leader).name()).grpcEndpoint();
        try (StreamingCommand history = StreamingCommand.etcdctl(List.of("--endpoints=" + endpoint),
                "watch", "--prefix", "p/", "--rev=" + first);
             StreamingCommand withPrev = StreamingCommand.etcdctl(List.of("--endpoints=" + endpoint),
                "watch", "--prefix", "p/", "--rev=" + first, "--prev-kv")) {
            // etcd 3.4.23 printed these for the same writes (a deletion's value is an empty line)
            history.awaitOutput(BOUND, "PUT\np/a\n1\nPUT\np/b\n2\nPUT\np/a\n3\nDELETE\np/b\n\n");
            withPrev.awaitOutput(BOUND, "PUT\np/a\n1\nPUT\np/b\n2\nPUT\np/a\n1\np/a\n3\nDELETE\np/b\n2\np/b\n\n");
            Txn txn = writer.getKVClient().txn();
            txn.Then(Op.put(bs("p/d"), bs("6"), PutOption.DEFAULT), Op.delete(bs("p/a"), DeleteOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS);
            history.awaitOutput(BOUND, "PUT\np/a\n1\nPUT\np/b\n2\nPUT\np/a\n3\nDELETE\np/b\n\nPUT\np/d\n6\nDELETE\np/a\n\n");
        }
        writer.getKVClient().compact(first + 2).get(10, TimeUnit.SECONDS);
        Command compacted = Command.etcdctl(List.of("--endpoints=" + endpoint), "watch", "--rev=" + first, "p/a");
        assertThat(compacted.exit()).isEqualTo(5);
        assertThat(compacted.out()).isEmpty();
        assertThat(compacted.err()).isEqualTo("watch was canceled (etcdserver: mvcc: required revision has been "
                + "compacted)\nError: watch is canceled by the server\n");
    }
}
