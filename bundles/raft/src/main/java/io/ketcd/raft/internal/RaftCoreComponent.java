package io.ketcd.raft.internal;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.raft.RawNode;
import org.osgi.service.component.annotations.Component;

/**
 * Publishes ketcd's raft core as the {@link RaftCore} service. Stateless: every node it
 * creates is independent and owned by the caller.
 */
@Component(service = RaftCore.class)
public final class RaftCoreComponent implements RaftCore {

    @Override
    public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
        return new RawNode(config, storage);
    }
}
