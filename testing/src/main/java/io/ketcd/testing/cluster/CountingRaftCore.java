package io.ketcd.testing.cluster;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStorage;

import java.util.concurrent.atomic.AtomicInteger;

/** Another core's nodes, counted: a stand-in for a raft core swapped in at run time. */
public final class CountingRaftCore implements RaftCore {
    private final RaftCore nodes;
    private final AtomicInteger created = new AtomicInteger();

    public CountingRaftCore(RaftCore nodes) {
        this.nodes = nodes;
    }

    @Override
    public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
        created.incrementAndGet();
        return nodes.create(config, storage);
    }

    /** How many nodes this core has created. */
    public int created() {
        return created.get();
    }
}
