package io.ketcd.itests;

import org.junit.rules.ExternalResource;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;

/**
 * A {@link KetcdNode} for a test class ({@code @ClassRule}) or for each test ({@code @Rule}):
 * unpacked and started before, stopped and deleted after, with a jetcd client opened on first
 * use and closed with the node.
 */
public final class RunningNode extends ExternalResource {

    private KetcdNode node;
    private Client client;

    @Override
    protected void before() {
        node = KetcdNode.unpack();
        try {
            node.start();
        } catch (RuntimeException | Error e) {
            node.close(); // JUnit runs after() only when before() succeeded
            throw e;
        }
    }

    @Override
    protected void after() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            if (node != null) {
                node.close();
            }
        }
    }

    public KetcdNode node() {
        return node;
    }

    /** The KV client of a jetcd client connected to the node (one per rule, opened on first use). */
    public synchronized KV kv() {
        if (client == null) {
            client = Jetcd.connect(node);
        }
        return client.getKVClient();
    }
}
