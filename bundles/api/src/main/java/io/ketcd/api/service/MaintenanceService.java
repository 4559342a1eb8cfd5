package io.ketcd.api.service;

import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/** etcd's {@code etcdserverpb.Maintenance} service. */
@ProviderType
public interface MaintenanceService {

    /** This member's status. */
    CompletableFuture<StatusResponse> status();

    /**
     * A hash of this member's key-value store up to a revision: members that applied the same
     * log answer the same hash. Served locally.
     */
    CompletableFuture<HashKVResponse> hashKV(HashKVRequest request);
}
