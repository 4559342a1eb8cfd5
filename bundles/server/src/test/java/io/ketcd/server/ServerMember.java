package io.ketcd.server;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.testing.cluster.TestMember;

/** A member of a test cluster as its one server object: every kind of cluster runs {@link KetcdServer}s. */
public record ServerMember(String name, KetcdServer server) implements TestMember {

    @Override
    public long memberId() {
        return server.memberId();
    }

    @Override
    public KvService kv() {
        return server;
    }

    @Override
    public ClusterService cluster() {
        return server;
    }

    @Override
    public MaintenanceService maintenance() {
        return server;
    }

    @Override
    public LeaseService lease() {
        return server;
    }

    @Override
    public void replaceRaftCore(RaftCore core) {
        server.replaceRaftCore(core);
    }

    @Override
    public void releaseRaftCore() {
        server.releaseRaftCore();
    }
}
