package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.appliedIndex;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.raft.RawNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raft core swapped under a member of a 3-member cluster on real sockets while three jetcd
 * clients write: on a follower, then on the leader. Writes keep being acknowledged, the member
 * runs a node of the new core, every acknowledged write is on every member afterwards, all end
 * at the same revision and hash, and no member's applied index ever goes back.
 */
class RaftCoreSwapClusterTest {
    private static final int PROGRESS = 30;

    @TempDir
    Path dir;
    private PeerCluster cluster;
    private ClusterWriters writers;
    private final AtomicBoolean sampling = new AtomicBoolean(true);
    private Thread sampler;

    @AfterEach
    void tearDown() throws InterruptedException {
        sampling.set(false);
        if (sampler != null) {
            sampler.join(30_000);
        }
        if (writers != null) {
            writers.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** RawNode, counting the nodes it creates. */
    private record CountingCore(AtomicInteger created) implements RaftCore {
        @Override
        public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
            created.incrementAndGet();
            return new RawNode(config, storage);
        }
    }

    @Test
    void aSwappedRaftCoreOnAFollowerThenTheLeaderLosesNoAcknowledgedWrite() throws Exception {
        cluster = new PeerCluster(dir, "http");
        Map<String, Map<String, String>> plain = new LinkedHashMap<>();
        List.of("m1", "m2", "m3").forEach(n -> plain.put(n, Map.of()));
        List<EmbeddedEtcd> all = cluster.startAll(plain);
        agreedLeader(all);
        writers = ClusterWriters.start(cluster.client(all.toArray(EmbeddedEtcd[]::new)), 3);
        AtomicBoolean appliedWentBack = new AtomicBoolean();
        sampler = watchAppliedIndexes(all, appliedWentBack);
        writers.awaitMore(PROGRESS);

        for (boolean leader : List.of(false, true)) {
            long lead = agreedLeader(all);
            EmbeddedEtcd m = all.stream().filter(x -> (x.server().memberId() == lead) == leader).findFirst().orElseThrow();
            AtomicInteger nodes = new AtomicInteger();
            long applied = appliedIndex(m);
            m.server().replaceRaftCore(new CountingCore(nodes));
            awaitTrue((leader ? "the leader" : "a follower") + " runs a node of the new core", () -> nodes.get() == 1);
            awaitTrue("it keeps applying", () -> appliedIndex(m) > applied + PROGRESS);
            writers.awaitMore(PROGRESS);
            assertThat(nodes.get()).as("one node per swap").isEqualTo(1);
        }

        Set<String> acknowledged = writers.stop();
        sampling.set(false);
        sampler.join(30_000);
        assertThat(appliedWentBack).as("an applied index went back").isFalse();
        assertThat(acknowledged).hasSizeGreaterThan(3 * PROGRESS);
        awaitTrue("every member at the same revision with the same hash",
                () -> all.stream().map(ClusterWriters::revisionAndHash).distinct().count() == 1);
        for (EmbeddedEtcd m : all) {
            assertThat(ClusterWriters.keys(m)).as("writes on member %x", m.server().memberId()).containsAll(acknowledged);
        }
    }

    private Thread watchAppliedIndexes(List<EmbeddedEtcd> all, AtomicBoolean wentBack) {
        Map<EmbeddedEtcd, Long> last = new ConcurrentHashMap<>();
        Thread t = new Thread(() -> {
            while (sampling.get()) {
                for (EmbeddedEtcd m : all) {
                    try {
                        long applied = m.server().status().get(5, java.util.concurrent.TimeUnit.SECONDS).getRaftAppliedIndex();
                        Long before = last.put(m, applied);
                        if (before != null && applied < before) {
                            wentBack.set(true);
                        }
                    } catch (Exception e) {
                        // a status may time out during an election
                    }
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }, "applied-index-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
