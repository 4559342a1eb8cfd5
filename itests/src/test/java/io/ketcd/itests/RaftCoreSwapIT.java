package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;

import io.etcd.jetcd.Client;

/**
 * The raft core swapped in running Karaf distributions of a 3-member cluster while jetcd clients
 * write through every member: {@code bundle:update} of the raft bundle on a follower and then on
 * the leader, then a second raft-core bundle ({@code examples/ranked-raft-core}, a higher service
 * ranking) installed on a follower and on the leader and uninstalled again. After each step every
 * swapped member runs a node of the core expected and writes go on; at the end every
 * acknowledged write is on every member, the members agree on revision and hash, and no
 * member's karaf.log shows a member start after the first, a restart or a stop.
 */
public class RaftCoreSwapIT {
    private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(1);

    @Rule
    public final RunningCluster cluster = new RunningCluster(3, Map.of(
            "ETCD_HEARTBEAT_INTERVAL", "100",
            "ETCD_ELECTION_TIMEOUT", Long.toString(ELECTION_TIMEOUT.toMillis())));

    private static final Duration SETTLE = Duration.ofMinutes(2);
    /** Acknowledged writes after each swap before the next. */
    private static final int PHASE = 200;
    private static final int WRITERS = 6;
    private static final String RAFT_BUNDLE = "io.ketcd.raft";
    private static final String RANKED_BUNDLE = "io.ketcd.examples.raft";
    private static final String NEW_NODE = "runs on a new raft node from ";
    private static final String BUILT_IN_CORE = "io.ketcd.raft.internal.RaftCoreComponent";
    private static final String RANKED_CORE = "io.ketcd.examples.raft.RankedRaftCore";

    private final List<String> report = new ArrayList<>();

    @Test
    public void raftCoreSwapsOnAFollowerAndTheLeaderUnderWritesRestartNoMemberAndLoseNothing() throws Exception {
        List<KetcdNode> members = cluster.members();
        Path rankedJar = Paths.get(System.getProperty("ketcd.example.ranked-raft-core", ""));
        assertTrue("the ranked raft core bundle " + rankedJar + " (system property ketcd.example.ranked-raft-core)",
                Files.isRegularFile(rankedJar));
        ClusterStatus.awaitOneLeader(members, SETTLE, cluster::diagnostics);
        List<Client> clients = new ArrayList<>();
        try {
            members.forEach(m -> clients.add(Jetcd.connect(m)));
            WriteLoad load = WriteLoad.start("core-swap/", Integer.MAX_VALUE, WRITERS,
                    clients.stream().map(Client::getKVClient).toList(), true);
            try (load) {
                load.awaitAcknowledged(PHASE, SETTLE, cluster::diagnostics);
                for (boolean onLeader : List.of(false, true)) {
                    KetcdNode m = pick(members, onLeader);
                    swap(m, onLeader, "bundle:update " + RAFT_BUNDLE, BUILT_IN_CORE, load);
                    assertEquals("the updated raft bundle on " + m.name(), "Active", m.bundleState(RAFT_BUNDLE));
                }
                List<KetcdNode> ranked = new ArrayList<>();
                for (boolean onLeader : List.of(false, true)) {
                    KetcdNode m = pick(members, onLeader);
                    swap(m, onLeader, "bundle:install -s " + rankedJar.toUri(), RANKED_CORE, load);
                    ranked.add(m);
                }
                for (KetcdNode m : ranked) {
                    swap(m, m == ClusterStatus.awaitOneLeader(members, SETTLE, cluster::diagnostics),
                            "bundle:uninstall " + RANKED_BUNDLE, BUILT_IN_CORE, load);
                }
                load.stop();
            }
            report.forEach(System.out::println);
            System.out.printf("load: %d writes acknowledged, %d failed, longest time without an acknowledgement %d ms%n",
                    load.acknowledgedCount(), load.failures(), load.longestAckGap().toMillis());
            // writes resume within a couple of election timeouts: a leader hands its leadership over
            // before it changes its core and holds what arrives meanwhile for the new leader, so no swap
            // waits for an election or leaves a write to its request timeout (measured: 150 to 240 ms)
            assertTrue("longest time without an acknowledged write: " + load.longestAckGap().toMillis() + " ms",
                    load.longestAckGap().compareTo(ELECTION_TIMEOUT.multipliedBy(2)) < 0);
            // puts a writer gave up on may still be buffered in a client: closing the clients cancels them
            clients.forEach(Client::close);
            clients.clear();

            long revision = ClusterStatus.awaitSameRevision(members, SETTLE, cluster::diagnostics);
            assertTrue("revision " + revision + " >= highest acknowledged " + load.highestRevision(),
                    revision >= load.highestRevision());
            for (KetcdNode m : members) {
                try (Client own = Jetcd.connect(m)) {
                    assertEquals("revision of a serializable read from " + m.name(), revision,
                            load.assertPresentIn(m.name(), own.getKVClient(), true));
                }
            }
            ClusterStatus.assertOneHash(members);
            for (KetcdNode m : members) {
                m.assertNoMemberRestart();
                assertEquals("raft loop failures on " + m.name(), 0, m.logCount("raft loop stopped"));
            }
        } finally {
            clients.forEach(Client::close);
        }
    }

    /** The leader, or a member that is not the leader. */
    private KetcdNode pick(List<KetcdNode> members, boolean leader) {
        KetcdNode lead = ClusterStatus.awaitOneLeader(members, SETTLE, cluster::diagnostics);
        return leader ? lead : members.stream().filter(m -> m != lead).findFirst().orElseThrow();
    }

    /**
     * Runs {@code command} in {@code m}'s shell, waits until {@code m} runs a node of {@code
     * expectedCore}, then for {@link #PHASE} more acknowledged writes; reports how long it took.
     */
    private void swap(KetcdNode m, boolean leader, String command, String expectedCore, WriteLoad load) {
        long nodesBefore = m.logCount(NEW_NODE + expectedCore);
        int acknowledgedBefore = load.acknowledgedCount();
        long start = System.nanoTime();
        m.shell(command);
        Await.until(m.name() + " running a node of " + expectedCore + " after " + command, SETTLE,
                () -> m.logCount(NEW_NODE + expectedCore) > nodesBefore, cluster::diagnostics);
        long swapped = System.nanoTime();
        load.awaitAcknowledged(load.acknowledgedCount() + PHASE, SETTLE, cluster::diagnostics);
        report.add(String.format("%s on the %s %s: a node of %s after %d ms; %d more writes acknowledged %d ms later"
                        + " (%d acknowledged from the command on)", command, leader ? "leader" : "follower", m.name(),
                expectedCore.substring(expectedCore.lastIndexOf('.') + 1), (swapped - start) / 1_000_000, PHASE,
                (System.nanoTime() - swapped) / 1_000_000, load.acknowledgedCount() - acknowledgedBefore));
    }
}
