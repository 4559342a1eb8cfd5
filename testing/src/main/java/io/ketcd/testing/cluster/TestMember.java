package io.ketcd.testing.cluster;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.MaintenanceService;

/** A running member of a {@link TestCluster}, used through the service facets its server publishes. */
public interface TestMember {
    String name();

    long memberId();

    KvService kv();

    ClusterService cluster();

    MaintenanceService maintenance();

    LeaseService lease();

    /** Swaps the raft core under the running member, as a DS reference change does. */
    void replaceRaftCore(RaftCore core);

    /** Takes the raft core away with no replacement, as the update of the raft bundle does between its stop and start. */
    void releaseRaftCore();
}
