package io.ketcd.concurrency.internal;

import io.ketcd.api.service.Caller;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.WatchService;
import io.ketcd.concurrency.ElectionServer;
import io.ketcd.concurrency.LockServer;
import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.CampaignResponse;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ProclaimResponse;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3electionpb.ResignResponse;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Publishes etcd's Lock and Election services over the member's KV, Watch and Lease facets: a
 * {@link LockServer} and an {@link ElectionServer}, which keep no state of their own beyond the
 * requests in flight, so a new member (its facets swapped) brings a new pair.
 */
@Component(service = {LockService.class, ElectionService.class})
public final class ConcurrencyComponent implements LockService, ElectionService {
    private final LockService locks;
    private final ElectionService elections;

    @Activate
    public ConcurrencyComponent(@Reference KvService kv, @Reference WatchService watch, @Reference LeaseService lease) {
        this.locks = new LockServer(kv, watch, lease);
        this.elections = new ElectionServer(kv, watch, lease);
    }

    @Override
    public CompletableFuture<LockResponse> lock(Caller caller, LockRequest request) {
        return locks.lock(caller, request);
    }

    @Override
    public CompletableFuture<UnlockResponse> unlock(Caller caller, UnlockRequest request) {
        return locks.unlock(caller, request);
    }

    @Override
    public CompletableFuture<CampaignResponse> campaign(Caller caller, CampaignRequest request) {
        return elections.campaign(caller, request);
    }

    @Override
    public CompletableFuture<ProclaimResponse> proclaim(Caller caller, ProclaimRequest request) {
        return elections.proclaim(caller, request);
    }

    @Override
    public CompletableFuture<LeaderResponse> leader(Caller caller, LeaderRequest request) {
        return elections.leader(caller, request);
    }

    @Override
    public AutoCloseable observe(Caller caller, LeaderRequest request, LeaderObserver observer) {
        return elections.observe(caller, request, observer);
    }

    @Override
    public CompletableFuture<ResignResponse> resign(Caller caller, ResignRequest request) {
        return elections.resign(caller, request);
    }
}
