package io.ketcd.itests;

import static org.junit.Assert.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What etcdctl's {@code endpoint status} and {@code endpoint hashkv} say about a cluster of distributions. */
final class ClusterStatus {
    private ClusterStatus() {
    }

    /** Waits until every one of {@code nodes} answers and names the same leader, one of them; returns it. */
    static KetcdNode awaitOneLeader(List<KetcdNode> nodes, Duration bound, Supplier<String> diagnostics) {
        KetcdNode[] leader = new KetcdNode[1];
        List<Object> last = new ArrayList<>();
        Await.until("one leader named by " + nodes.stream().map(KetcdNode::name).toList(), bound, () -> {
            last.clear();
            List<Status> statuses = new ArrayList<>();
            for (KetcdNode n : nodes) {
                Exec.Result r = KetcdNode.etcdctl(List.of(n), null, "endpoint", "status", "-w", "json");
                List<Status> s = r.exitCode() == 0 ? Status.parse(r.stdout()) : List.of();
                if (s.size() != 1) {
                    last.add(r);
                    return false;
                }
                statuses.add(s.get(0));
                last.add(s.get(0));
            }
            String id = statuses.get(0).leader();
            if (id.equals("0") || !statuses.stream().allMatch(s -> s.leader().equals(id))) {
                return false;
            }
            for (int i = 0; i < nodes.size(); i++) {
                if (statuses.get(i).memberId().equals(id)) {
                    leader[0] = nodes.get(i);
                    return true;
                }
            }
            return false;
        }, () -> "last answers: " + last + "\n" + diagnostics.get());
        return leader[0];
    }

    /** Waits until every member answers with the same revision and raft applied index; returns the revision. */
    static long awaitSameRevision(List<KetcdNode> nodes, Duration bound, Supplier<String> diagnostics) {
        long[] revision = new long[1];
        long[] previousAppliedIndex = {-1};
        List<Status> last = new ArrayList<>();
        // the same applied index in two polls in a row: a proposal still in flight when the load
        // stopped has been applied everywhere, not just on the members polled first
        Await.until("the same revision on every member, twice in a row", bound, () -> {
            last.clear();
            for (KetcdNode n : nodes) {
                Optional<Status> s = status(n);
                if (s.isEmpty()) {
                    return false;
                }
                last.add(s.get());
            }
            revision[0] = last.get(0).revision();
            long applied = last.get(0).raftAppliedIndex();
            boolean same = last.stream().allMatch(s -> s.revision() == revision[0] && s.raftAppliedIndex() == applied);
            boolean stable = same && applied == previousAppliedIndex[0];
            previousAppliedIndex[0] = same ? applied : -1;
            return stable;
        }, () -> "last statuses: " + last + "\n" + diagnostics.get());
        return revision[0];
    }

    /** {@code etcdctl endpoint status} of one member, empty while it does not answer. */
    static Optional<Status> status(KetcdNode node) {
        Exec.Result r = KetcdNode.etcdctl(List.of(node), null, "endpoint", "status", "-w", "json");
        List<Status> statuses = r.exitCode() == 0 ? Status.parse(r.stdout()) : List.of();
        return statuses.size() == 1 ? Optional.of(statuses.get(0)) : Optional.empty();
    }

    /** {@code etcdctl endpoint hashkv --cluster}: every member answers, all with one hash. */
    static void assertOneHash(List<KetcdNode> members) {
        Exec.Result hashes = KetcdNode.etcdctl(members, null, "endpoint", "hashkv", "--cluster", "-w", "json").assertSuccess();
        Matcher hash = Pattern.compile("\"hash\":(\\d+)").matcher(hashes.stdout());
        Set<String> distinct = new HashSet<>();
        int count = 0;
        while (hash.find()) {
            distinct.add(hash.group(1));
            count++;
        }
        assertEquals("hashes in " + hashes, members.size(), count);
        assertEquals("members with different hashes: " + hashes, 1, distinct.size());
    }

    /**
     * One endpoint of {@code etcdctl endpoint status -w json}: ids as etcdctl prints them (unsigned
     * decimal), a field absent from the JSON (Go omits zero values) as 0.
     */
    record Status(String endpoint, String clusterId, String memberId, String leader, long revision,
            long raftTerm, long raftIndex, long raftAppliedIndex) {

        static List<Status> parse(String json) {
            List<Status> out = new ArrayList<>();
            String[] entries = json.split("\\{\"Endpoint\":\"");
            for (int i = 1; i < entries.length; i++) {
                String e = entries[i];
                out.add(new Status(e.substring(0, e.indexOf('"')), field(e, "cluster_id"), field(e, "member_id"),
                        field(e, "leader"), Long.parseLong(field(e, "revision")), Long.parseLong(field(e, "raftTerm")),
                        Long.parseLong(field(e, "raftIndex")), Long.parseLong(field(e, "raftAppliedIndex"))));
            }
            return out;
        }

        private static String field(String entry, String name) {
            Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(entry);
            return m.find() ? m.group(1) : "0";
        }
    }}
