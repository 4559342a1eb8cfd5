package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;

/**
 * kill -9 of the Karaf JVM while clients write, then a restart from the same directory: every
 * write the server acknowledged is there, with its value, and no acknowledged revision is reused.
 */
public class CrashRecoveryIT {

    /** More keys than can be written between the kill's trigger and the kill, however fast the node is. */
    private static final int KEYS = 3000;
    /** Acknowledged writes before the kill. */
    private static final int BEFORE_KILL = 300;
    private static final int WRITERS = 16;

    @Rule
    public final RunningNode running = new RunningNode();

    private KetcdNode node;

    @Before
    public void node() {
        node = running.node();
    }

    @Test
    public void everyAcknowledgedWriteSurvivesKillDashNine() throws Exception {
        WriteLoad load;
        try (Client client = Jetcd.connect(node)) {
            load = WriteLoad.start("crash/", KEYS, WRITERS, List.of(client.getKVClient()), false);
            try (load) {
                load.awaitAcknowledged(BEFORE_KILL, Duration.ofMinutes(2), node::diagnostics);
                node.killHard();
                load.awaitWritersEnded(Duration.ofMinutes(2)); // each stops at its first failed put
            }
        }
        int acknowledged = load.acknowledgedCount();
        assertTrue("the kill came while writes were still going: " + acknowledged + " of " + KEYS + " acknowledged",
                acknowledged < KEYS);

        node.start();

        try (Client client = Jetcd.connect(node)) {
            KV kv = client.getKVClient();
            long revision = load.assertPresentIn("after the restart", kv, false);
            assertTrue("the store kept its revision: " + revision + " >= " + load.highestRevision(),
                    revision >= load.highestRevision());
            long after = await(kv.put(bs("crash/after-restart"), bs("v"))).getHeader().getRevision();
            assertTrue("a new write gets a new revision: " + after + " > " + load.highestRevision(),
                    after > load.highestRevision());
        }
    }
}
