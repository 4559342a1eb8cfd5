package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import org.junit.ClassRule;
import org.junit.Test;

/**
 * Two nodes from copies of one distribution on one machine, at the same time, told apart only
 * by the environment: ETCD_* for ketcd's URLs, KETCD_SSH_PORT and KETCD_RMI_*_PORT for Karaf's.
 */
public class SideBySideIT {

    @ClassRule
    public static final RunningNode FIRST = new RunningNode();

    @ClassRule
    public static final RunningNode SECOND = new RunningNode();

    @Test
    public void eachNodeListensOnItsOwnPorts() {
        for (KetcdNode node : new KetcdNode[] {FIRST.node(), SECOND.node()}) {
            node.awaitListening("ketcd's HTTP port", node.httpPort());
            node.awaitListening("Karaf's ssh port", node.sshPort());
            node.awaitListening("Karaf's RMI registry", node.rmiRegistryPort());
            node.awaitListening("Karaf's RMI server", node.rmiServerPort());
        }
    }

    @Test
    public void eachNodeKeepsItsOwnData() {
        KetcdNode first = FIRST.node();
        KetcdNode second = SECOND.node();
        assertEquals("OK\n", first.etcdctl(null, "put", "side/k", "first").assertSuccess().stdout());
        assertEquals("OK\n", second.etcdctl(null, "put", "side/k", "second").assertSuccess().stdout());
        assertEquals("side/k\nfirst\n", first.etcdctl(null, "get", "side/k").assertSuccess().stdout());
        assertEquals("side/k\nsecond\n", second.etcdctl(null, "get", "side/k").assertSuccess().stdout());
        assertNotEquals(first.home(), second.home());
    }
}
