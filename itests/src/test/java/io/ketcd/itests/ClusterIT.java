package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.ClassRule;
import org.junit.Test;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;

/**
 * Three distributions as one cluster, configured only through etcd's {@code ETCD_*} variables,
 * driven with Debian's etcdctl 3.4 and jetcd: one leader that every member names, members and
 * URLs as configured, writes through any member readable through any other, and under a write
 * load over all members a kill -9 of a follower and then of the leader, each restarted: every
 * acknowledged write ends up on every member, and the members agree on revision and hash.
 */
public class ClusterIT {

    /**
     * etcd's timing defaults, written out. A snapshot every 2,000 entries and only 500 entries
     * kept behind it for slow followers: a member down for thousands of writes catches up from a
     * snapshot of the leader, not only from its log.
     */
    @ClassRule
    public static final RunningCluster CLUSTER = new RunningCluster(3, Map.of(
            "ETCD_HEARTBEAT_INTERVAL", "100",
            "ETCD_ELECTION_TIMEOUT", "1000",
            "ETCD_SNAPSHOT_COUNT", "2000",
            "ETCD_EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES", "500"));

    /** A bound for the cluster to settle: elect a leader, bring a restarted member up to date. */
    private static final Duration SETTLE = Duration.ofMinutes(2);
    /** Acknowledged writes in each phase of the load (before a kill, with a member down, after its restart). */
    private static final int PHASE = 300;
    private static final int WRITERS = 6;

    @Test
    public void etcdctlSeesThreeMembersWithOneLeader() {
        List<KetcdNode> members = CLUSTER.members();
        ClusterStatus.awaitOneLeader(members, SETTLE, CLUSTER::diagnostics);

        List<ClusterStatus.Status> statuses = ClusterStatus.Status.parse(CLUSTER.etcdctl(null, "endpoint", "status", "--cluster", "-w", "json")
                .assertSuccess().stdout());
        assertEquals("endpoint status --cluster: " + statuses, 3, statuses.size());
        Set<String> endpoints = new HashSet<>();
        for (ClusterStatus.Status s : statuses) {
            endpoints.add(s.endpoint()); // --cluster: the client URLs of the member list
            assertEquals("leader named by " + s, statuses.get(0).leader(), s.leader());
            assertEquals("cluster id of " + s, statuses.get(0).clusterId(), s.clusterId());
        }
        assertEquals("endpoints found through the member list (advertise-client-urls)",
                Set.copyOf(members.stream().map(KetcdNode::clientUrl).toList()), endpoints);
        assertEquals("members that are the leader: " + statuses, 1,
                statuses.stream().filter(s -> s.memberId().equals(s.leader())).count());

        Set<String> ids = new HashSet<>();
        Await.until("member list naming every member as started", SETTLE,
                () -> memberListIds(CLUSTER.etcdctl(null, "member", "list").stdout(), members, ids), CLUSTER::diagnostics);
        assertEquals("member ids of member list and endpoint status",
                Set.copyOf(statuses.stream().map(s -> Long.toHexString(Long.parseUnsignedLong(s.memberId()))).toList()), ids);

        assertEquals("OK\n", etcdctl(members.get(0), "put", "ctl/a", "through m1"));
        assertEquals("ctl/a\nthrough m1\n", etcdctl(members.get(1), "get", "ctl/a"));
        assertEquals("ctl/a\nthrough m1\n", etcdctl(members.get(2), "get", "ctl/a"));
        assertEquals("OK\n", etcdctl(members.get(2), "put", "ctl/b", "through m3"));
        assertEquals("ctl/a\nthrough m1\nctl/b\nthrough m3\n", etcdctl(members.get(1), "get", "--prefix", "ctl/"));
        // a serializable read answers from the member's own state, which may trail the leader's briefly
        for (KetcdNode member : members) {
            Await.until("ctl/b in a serializable read from " + member.name(), SETTLE,
                    () -> etcdctl(member, "get", "--consistency=s", "ctl/b").equals("ctl/b\nthrough m3\n"),
                    CLUSTER::diagnostics);
        }
        assertEquals("1\n", etcdctl(members.get(1), "del", "ctl/a"));
        assertEquals("", etcdctl(members.get(0), "get", "ctl/a"));
    }

    @Test
    public void everyAcknowledgedWriteReachesEveryMemberAcrossKills() throws Exception {
        List<KetcdNode> members = CLUSTER.members();
        ClusterStatus.awaitOneLeader(members, SETTLE, CLUSTER::diagnostics);
        List<Client> clients = new ArrayList<>();
        try {
            members.forEach(m -> clients.add(Jetcd.connect(m)));
            WriteLoad load = WriteLoad.start("cluster/", Integer.MAX_VALUE, WRITERS,
                    clients.stream().map(Client::getKVClient).toList(), true);
            try (load) {
                load.awaitAcknowledged(PHASE, SETTLE, CLUSTER::diagnostics);
                KetcdNode leader = ClusterStatus.awaitOneLeader(members, SETTLE, CLUSTER::diagnostics);
                KetcdNode follower = members.stream().filter(m -> m != leader).findFirst().orElseThrow();
                killAndRestart(follower, false, load);
                killAndRestart(ClusterStatus.awaitOneLeader(members, SETTLE, CLUSTER::diagnostics), true, load);
                load.stop();
            }
            System.out.printf("load: %d writes acknowledged, %d failed%n", load.acknowledgedCount(), load.failures());
            // a put a writer gave up on (no answer in time) can still be in flight: buffered in its jetcd
            // channel while that reconnects to a restarted member, or queued on its way to the leader.
            // Closing the clients cancels the buffered ones (shutdownNow); the settling below waits out the rest
            clients.forEach(Client::close);
            clients.clear();

            long settling = System.nanoTime();
            long revision = ClusterStatus.awaitSameRevision(members, SETTLE, CLUSTER::diagnostics);
            System.out.printf("members at the same revision %d %d ms after the load stopped%n",
                    revision, (System.nanoTime() - settling) / 1_000_000);
            assertTrue("revision " + revision + " >= highest acknowledged " + load.highestRevision(),
                    revision >= load.highestRevision());
            for (KetcdNode member : members) {
                try (Client own = Jetcd.connect(member)) {
                    assertEquals("revision of a serializable read from " + member.name(), revision,
                            load.assertPresentIn(member.name(), own.getKVClient(), true));
                }
            }

            List<ClusterStatus.Status> statuses = ClusterStatus.Status.parse(CLUSTER.etcdctl(null, "endpoint", "status", "--cluster", "-w", "json")
                    .assertSuccess().stdout());
            assertEquals("endpoint status --cluster: " + statuses, 3, statuses.size());
            for (ClusterStatus.Status s : statuses) {
                assertEquals("revision of " + s, revision, s.revision());
                assertEquals("leader named by " + s, statuses.get(0).leader(), s.leader());
            }
            ClusterStatus.assertOneHash(CLUSTER.members());
        } finally {
            clients.forEach(Client::close);
        }
    }

    /**
     * kill -9 of {@code victim} under the load; the others go on acknowledging writes (after
     * electing a new leader among themselves if it was the leader); then it restarts and catches up.
     */
    private static void killAndRestart(KetcdNode victim, boolean isLeader, WriteLoad load) {
        List<KetcdNode> survivors = CLUSTER.members().stream().filter(m -> m != victim).toList();
        String role = isLeader ? "leader " : "follower ";
        long killed = System.nanoTime();
        victim.killHard();
        int atKill = load.acknowledgedCount();
        if (isLeader) {
            KetcdNode newLeader = ClusterStatus.awaitOneLeader(survivors, SETTLE, CLUSTER::diagnostics);
            System.out.printf("kill -9 of leader %s: %s elected %d ms later%n",
                    victim.name(), newLeader.name(), millisSince(killed));
        }
        load.awaitAcknowledged(atKill + PHASE, SETTLE, CLUSTER::diagnostics);
        System.out.printf("kill -9 of %s%s: %d writes acknowledged by the other two within %d ms%n",
                role, victim.name(), PHASE, millisSince(killed));

        long starting = System.nanoTime();
        victim.start();
        long target = survivors.stream().mapToLong(m -> ClusterStatus.status(m).map(ClusterStatus.Status::revision).orElse(0L)).max().orElse(0);
        System.out.printf("%s restarted in %d ms (down %d ms, %d writes acknowledged meanwhile)%n",
                victim.name(), millisSince(starting), millisSince(killed), load.acknowledgedCount() - atKill);
        long catchingUp = System.nanoTime();
        Await.until(victim.name() + " catching up to revision " + target, SETTLE,
                () -> ClusterStatus.status(victim).map(s -> s.revision() >= target).orElse(false), CLUSTER::diagnostics);
        System.out.printf("%s at revision %d (the others' when its boot completed) %d ms after its boot completed%n",
                victim.name(), target, millisSince(catchingUp));
        load.awaitAcknowledged(load.acknowledgedCount() + PHASE, SETTLE, CLUSTER::diagnostics);
    }

    /**
     * Whether {@code out} of {@code member list} has one started line per member, with its name,
     * peer URL and client URL (etcdctl: id, status, name, peer URLs, client URLs, is learner);
     * collects the member ids into {@code ids}.
     */
    private static boolean memberListIds(String out, List<KetcdNode> members, Set<String> ids) {
        ids.clear();
        String[] lines = out.split("\n");
        if (lines.length != members.size()) {
            return false;
        }
        for (KetcdNode m : members) {
            Pattern line = Pattern.compile("([0-9a-f]+), started, " + Pattern.quote(m.name()) + ", "
                    + Pattern.quote(m.peerUrl()) + ", " + Pattern.quote(m.clientUrl()) + ", false");
            boolean found = false;
            for (String l : lines) {
                Matcher matcher = line.matcher(l);
                if (matcher.matches()) {
                    ids.add(matcher.group(1));
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return ids.size() == members.size();
    }

    private static String etcdctl(KetcdNode member, String... args) {
        Exec.Result r = KetcdNode.etcdctl(List.of(member), null, args).assertSuccess();
        return r.stdout();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
