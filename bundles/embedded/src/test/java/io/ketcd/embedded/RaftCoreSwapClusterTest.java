package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.appliedIndex;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.server.AppliedIndexWatch;
import io.ketcd.server.CountingRaftCore;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    private AppliedIndexWatch watch;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (watch != null) {
            watch.close();
        }
        if (writers != null) {
            writers.close();
        }
        if (cluster != null) {
            cluster.close();
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
        watch = new AppliedIndexWatch(all.stream().map(EmbeddedEtcd::server).toList());
        writers.awaitMore(PROGRESS);

        for (boolean leader : List.of(false, true)) {
            long lead = agreedLeader(all);
            EmbeddedEtcd m = all.stream().filter(x -> (x.server().memberId() == lead) == leader).findFirst().orElseThrow();
            CountingRaftCore core = new CountingRaftCore();
            long applied = appliedIndex(m);
            m.server().replaceRaftCore(core);
            awaitTrue((leader ? "the leader" : "a follower") + " runs a node of the new core", () -> core.created() == 1);
            awaitTrue("it keeps applying", () -> appliedIndex(m) > applied + PROGRESS);
            writers.awaitMore(PROGRESS);
            assertThat(core.created()).as("one node per swap").isEqualTo(1);
        }

        Set<String> acknowledged = writers.stop();
        assertThat(watch.stopAndReportWentBack()).as("an applied index went back").isFalse();
        assertThat(acknowledged).hasSizeGreaterThan(3 * PROGRESS);
        awaitTrue("every member at the same revision with the same hash",
                () -> all.stream().map(ClusterWriters::revisionAndHash).distinct().count() == 1);
        for (EmbeddedEtcd m : all) {
            assertThat(ClusterWriters.keys(m)).as("writes on member %x", m.server().memberId()).containsAll(acknowledged);
        }
    }
}
