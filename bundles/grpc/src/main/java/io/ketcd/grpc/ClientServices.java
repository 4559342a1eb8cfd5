package io.ketcd.grpc;

import io.ketcd.api.service.AuthService;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchService;

import java.util.Objects;

/**
 * The service facets that etcd's client gRPC API serves: the member's, and the lock and election
 * services built on them; one object may be all of them.
 */
public record ClientServices(KvService kv, ClusterService cluster, MaintenanceService maintenance, WatchService watch,
        LeaseService lease, LockService lock, ElectionService election, AuthService auth) {

    public ClientServices {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(watch, "watch");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(election, "election");
        // auth may be null: a member without it answers the Auth service with UNIMPLEMENTED
    }

    /** A member's facets, with {@code lock} and {@code election} on them. */
    public static <T extends KvService & ClusterService & MaintenanceService & WatchService & LeaseService> ClientServices of(
            T member, LockService lock, ElectionService election) {
        return new ClientServices(member, member, member, member, member, lock, election, null);
    }

    /** A member's facets, its auth service, and {@code lock} and {@code election} on them. */
    public static <T extends KvService & ClusterService & MaintenanceService & WatchService & LeaseService> ClientServices of(
            T member, AuthService auth, LockService lock, ElectionService election) {
        return new ClientServices(member, member, member, member, member, lock, election, auth);
    }
}
