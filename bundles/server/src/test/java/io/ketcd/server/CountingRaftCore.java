package io.ketcd.server;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.raft.RawNode;

import java.util.concurrent.atomic.AtomicInteger;

/** The raft bundle's core, counting the nodes it creates: a stand-in for a swapped-in core. */
public final class CountingRaftCore implements RaftCore {
    private final AtomicInteger created = new AtomicInteger();

    @Override
    public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
        created.incrementAndGet();
        return new RawNode(config, storage);
    }

    /** How many nodes this core has created. */
    public int created() {
        return created.get();
    }
}
