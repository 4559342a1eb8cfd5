package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;

/**
 * {@code bin/client -b} (batch mode: commands on stdin, exits when they are done) running the
 * etcd:* commands of a node that runs as its own process. The client finds the node's ssh port
 * through KETCD_SSH_PORT, the same variable that moved the node's port.
 */
public class ShellClientIT {

    @ClassRule
    public static final RunningNode RUNNING = new RunningNode();

    private static KetcdNode node;

    @BeforeClass
    public static void awaitCommands() {
        node = RUNNING.node();
        // the commands register once the member's service facets are there, a moment after the boot
        Await.until("etcd:get in bin/client", KetcdNode.BOOT_TIMEOUT,
                () -> !node.client("etcd:get --help").stdout().contains("Command not found"),
                node::diagnostics);
    }

    @Test
    public void getShowsWhatEtcdctlPut() {
        assertEquals("OK\n", node.etcdctl(null, "put", "shell/k", "from etcdctl").assertSuccess().stdout());
        Exec.Result r = node.client("etcd:get shell/k").assertSuccess();
        assertEquals(r.toString(), "shell/k\nfrom etcdctl\n", r.stdout());
    }

    @Test
    public void putIsVisibleToEtcdctl() {
        node.client("etcd:put shell/put from-the-shell").assertSuccess();
        assertEquals("shell/put\nfrom-the-shell\n", node.etcdctl(null, "get", "shell/put").assertSuccess().stdout());
    }

    @Test
    public void getPrefixInOneBatch() {
        assertEquals("OK\n", node.etcdctl(null, "put", "shell/p/a", "1").assertSuccess().stdout());
        assertEquals("OK\n", node.etcdctl(null, "put", "shell/p/b", "2").assertSuccess().stdout());
        Exec.Result r = node.client("etcd:get --prefix shell/p/", "etcd:del shell/p/a", "etcd:get --prefix shell/p/").assertSuccess();
        assertTrue(r.toString(), r.stdout().startsWith("shell/p/a\n1\nshell/p/b\n2\n"));
        assertTrue(r.toString(), r.stdout().endsWith("shell/p/b\n2\n"));
        assertEquals("shell/p/b\n2\n", node.etcdctl(null, "get", "--prefix", "shell/p/").assertSuccess().stdout());
    }
}
