package io.ketcd.grpc;

import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchService;

import java.util.Objects;

/** The member's service facets that etcd's client gRPC API serves; one object may be all of them. */
public record ClientServices(KvService kv, ClusterService cluster, MaintenanceService maintenance, WatchService watch,
        LeaseService lease) {

    public ClientServices {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(watch, "watch");
        Objects.requireNonNull(lease, "lease");
    }

    /** One object that is every facet, as a member is. */
    public static <T extends KvService & ClusterService & MaintenanceService & WatchService & LeaseService> ClientServices of(
            T member) {
        return new ClientServices(member, member, member, member, member);
    }
}
