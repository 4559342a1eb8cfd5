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

    @Test
    public void ketcdutlReadsASnapshotTheNodeSavedAndRestoresItInBinAndInTheShell() throws Exception {
        assertEquals("OK\n", node.etcdctl(null, "put", "shell/backup", "kept").assertSuccess().stdout());
        java.nio.file.Path saved = node.home().resolve("shell-backup.db");
        node.etcdctl(null, "snapshot", "save", saved.toString()).assertSuccess();
        java.util.List<String> ketcdutl = java.util.List.of(node.home().resolve("bin/ketcdutl").toString());

        Exec.Result bin = Exec.run(concat(ketcdutl, "snapshot", "status", saved.toString(), "-w", "json"),
                KetcdNode.baseEnvironment(), node.home(), null, java.time.Duration.ofSeconds(60)).assertSuccess();
        assertTrue(bin.toString(), bin.stdout().matches("\\{\"hash\":\\d+,\"revision\":[1-9]\\d*,\"totalKey\":[1-9]\\d*,"
                + "\"totalSize\":[1-9]\\d*}\n"));
        Exec.Result shell = node.client("ketcdutl:snapshot -w json status " + saved).assertSuccess();
        assertEquals(shell.toString(), bin.stdout(), shell.stdout());

        java.nio.file.Path restored = node.home().resolve("restored.etcd");
        Exec.Result restore = node.client("ketcdutl:snapshot --data-dir " + restored + " restore " + saved).assertSuccess();
        assertTrue(restore.toString(), java.nio.file.Files.isDirectory(restored.resolve("member/wal")));
        assertTrue(restore.toString(), java.nio.file.Files.isRegularFile(restored.resolve("member/snap/db")));
        Exec.Result again = Exec.run(concat(ketcdutl, "snapshot", "restore", saved.toString(), "--data-dir",
                restored.toString()), KetcdNode.baseEnvironment(), node.home(), null, java.time.Duration.ofSeconds(60));
        assertEquals(again.toString(), 1, again.exitCode());
        assertEquals("Error: data-dir \"" + restored + "\" exists\n", again.stderr());
    }

    private static java.util.List<String> concat(java.util.List<String> head, String... tail) {
        java.util.List<String> all = new java.util.ArrayList<>(head);
        all.addAll(java.util.List.of(tail));
        return all;
    }
}
