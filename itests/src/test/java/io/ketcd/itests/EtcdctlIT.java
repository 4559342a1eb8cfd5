package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;

/**
 * etcdctl 3.4 against the distribution running as its own process. Expected outputs are what
 * etcd 3.4.23 prints for the same commands (checked side by side with Debian's etcd-server).
 * Each test works under its own key prefix, so the order of the tests does not matter.
 */
public class EtcdctlIT {

    @ClassRule
    public static final RunningNode RUNNING = new RunningNode();

    private static KetcdNode node;

    @BeforeClass
    public static void startNode() {
        node = RUNNING.node();
    }

    @Test
    public void putThenGet() {
        assertOut("OK\n", "put", "ctl/put/k", "v1");
        assertOut("ctl/put/k\nv1\n", "get", "ctl/put/k");
        assertOut("OK\n", "put", "ctl/put/k", "v2");
        assertOut("ctl/put/k\nv2\n", "get", "ctl/put/k");
        assertOut("", "get", "ctl/put/absent");
    }

    @Test
    public void getPrefixReturnsKeysInOrder() {
        assertOut("OK\n", "put", "ctl/prefix/b", "2");
        assertOut("OK\n", "put", "ctl/prefix/a", "1");
        assertOut("OK\n", "put", "ctl/prefixx", "not under the prefix");
        assertOut("ctl/prefix/a\n1\nctl/prefix/b\n2\n", "get", "--prefix", "ctl/prefix/");
        // etcdctl prints the (empty) value line for keys-only too
        assertOut("ctl/prefix/a\n\nctl/prefix/b\n\n", "get", "--prefix", "--keys-only", "ctl/prefix/");
    }

    @Test
    public void getRevReadsThePast() {
        long first = revisionOfPut("ctl/rev/k", "v1");
        long second = revisionOfPut("ctl/rev/k", "v2");
        assertTrue("revisions grow: " + first + " then " + second, second > first);
        assertOut("ctl/rev/k\nv1\n", "get", "--rev=" + first, "ctl/rev/k");
        assertOut("ctl/rev/k\nv2\n", "get", "--rev=" + second, "ctl/rev/k");
        assertOut("", "get", "--rev=" + (first - 1), "ctl/rev/k");
        assertError("etcdserver: mvcc: required revision is a future revision",
                "get", "--rev=" + (second + 1_000_000), "ctl/rev/k");
    }

    @Test
    public void delCountsDeletedKeys() {
        assertOut("OK\n", "put", "ctl/del/a", "1");
        assertOut("OK\n", "put", "ctl/del/b", "2");
        assertOut("OK\n", "put", "ctl/del/c", "3");
        assertOut("1\n", "del", "ctl/del/a");
        assertOut("0\n", "del", "ctl/del/a");
        assertOut("2\n", "del", "--prefix", "ctl/del/");
        assertOut("", "get", "--prefix", "ctl/del/");
    }

    @Test
    public void txnInteractiveTakesTheSuccessBranch() {
        assertOut("OK\n", "put", "ctl/txn/flag", "on");
        String script = "value(\"ctl/txn/flag\") = \"on\"\n\n"
                + "put ctl/txn/result yes\nget ctl/txn/flag\n\n"
                + "put ctl/txn/result no\n\n";
        assertTxn(script, "SUCCESS\n\nOK\n\nctl/txn/flag\non\n");
        assertOut("ctl/txn/result\nyes\n", "get", "ctl/txn/result");
    }

    @Test
    public void txnInteractiveTakesTheFailureBranch() {
        assertOut("OK\n", "put", "ctl/txnf/flag", "on");
        String script = "value(\"ctl/txnf/flag\") = \"off\"\n\n"
                + "put ctl/txnf/result yes\n\n"
                + "put ctl/txnf/result no\n\n";
        assertTxn(script, "FAILURE\n\nOK\n");
        assertOut("ctl/txnf/result\nno\n", "get", "ctl/txnf/result");
    }

    @Test
    public void compactionDropsOldRevisions() {
        long old = revisionOfPut("ctl/compact/k", "old");
        long current = revisionOfPut("ctl/compact/k", "new");
        assertOut("compacted revision " + current + "\n", "compaction", Long.toString(current));
        assertError("etcdserver: mvcc: required revision has been compacted",
                "get", "--rev=" + old, "ctl/compact/k");
        assertOut("ctl/compact/k\nnew\n", "get", "--rev=" + current, "ctl/compact/k");
        assertOut("ctl/compact/k\nnew\n", "get", "ctl/compact/k");
    }

    @Test
    public void endpointStatusAndMemberListDescribeTheNode() {
        String members = node.etcdctl(null, "member", "list").assertSuccess().stdout();
        Matcher member = Pattern.compile("([0-9a-f]+), started, itest, http://127\\.0\\.0\\.1:\\d+, "
                + Pattern.quote(node.clientUrl()) + ", false\n").matcher(members);
        assertTrue("member list: " + members, member.matches());
        String memberId = member.group(1);

        String status = node.etcdctl(null, "endpoint", "status").assertSuccess().stdout();
        // endpoint, member id, version, db size, is leader, is learner, raft term, raft index,
        // raft applied index, errors
        Pattern expected = Pattern.compile(Pattern.quote("127.0.0.1:" + node.clientPort()) + ", "
                + Pattern.quote(memberId) + ", \\d+\\.\\d+\\.\\d+, \\d+(\\.\\d+)? [kMG]?B, true, false, [1-9]\\d*, [1-9]\\d*, [1-9]\\d*, \n");
        assertTrue("endpoint status: " + status, expected.matcher(status).matches());

        String health = node.etcdctl(null, "endpoint", "health").assertSuccess().stderr();
        assertTrue("endpoint health: " + health, Pattern.compile(Pattern.quote("127.0.0.1:" + node.clientPort())
                + " is healthy: successfully committed proposal: took = .*\n").matcher(health).matches());
    }

    /** What {@code etcdctl txn -i} prints before it reads each section of its input. */
    private static final String PROMPTS = "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n";

    /** Runs {@code etcdctl txn -i} with {@code script} as its input. */
    private static void assertTxn(String script, String expectedAfterPrompts) {
        Exec.Result r = node.etcdctl(bytes(script), "txn", "-i").assertSuccess();
        assertEquals(r.toString(), PROMPTS + expectedAfterPrompts, r.stdout());
    }

    private static long revisionOfPut(String key, String value) {
        String fields = node.etcdctl(null, "put", key, value, "-w", "fields").assertSuccess().stdout();
        Matcher m = Pattern.compile("\"Revision\" : (\\d+)").matcher(fields);
        assertTrue("put -w fields: " + fields, m.find());
        return Long.parseLong(m.group(1));
    }

    private static void assertOut(String expected, String... args) {
        Exec.Result r = node.etcdctl(null, args).assertSuccess();
        assertEquals(r.toString(), expected, r.stdout());
    }

    /** etcdctl's last line for a failed request, with exit status 1. */
    private static void assertError(String message, String... args) {
        Exec.Result r = node.etcdctl(null, args);
        assertEquals(r.toString(), 1, r.exitCode());
        assertEquals(r.toString(), "", r.stdout());
        assertTrue(r.toString(), r.stderr().endsWith("Error: " + message + "\n"));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
