package io.ketcd.examples.raft;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.raft.RawNode;

import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raft core that outranks the built-in one (service.ranking 100 against 0): while this bundle
 * is active, a running member drives its raft with nodes of this core, and when the bundle goes
 * the member swaps back to the built-in core, with no restart either way. The nodes are ketcd's
 * own state machine, from this bundle's private copy of it; the point is the swap, and what a
 * core of one's own (tracing, metrics, another implementation) would plug into.
 */
@Component(service = RaftCore.class, property = "service.ranking:Integer=100")
public final class RankedRaftCore implements RaftCore {
    private static final Logger LOG = LoggerFactory.getLogger(RankedRaftCore.class);
    private final AtomicLong created = new AtomicLong();

    @Override
    public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
        RaftNode node = new RawNode(config, storage);
        LOG.info("ranked raft core: node {} created, for member {}", created.incrementAndGet(), Long.toHexString(config.id()));
        return node;
    }
}
