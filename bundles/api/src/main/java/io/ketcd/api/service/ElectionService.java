package io.ketcd.api.service;

import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.CampaignResponse;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ProclaimResponse;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3electionpb.ResignResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code v3electionpb.Election} service: leader election over KV, Watch and Lease, as
 * etcd's {@code v3election} serves it. The candidates of election {@code name} are the keys
 * {@code name/<lease in hex>}; the leader is the one created first. Errors come back as etcd's
 * server-side recipes return them: status UNKNOWN with etcd's message ("election: not leader",
 * "election: no leader", or that of the request made on the client's behalf).
 */
@ProviderType
public interface ElectionService {

    /**
     * Campaigns with {@code value} under {@code lease} (a lease of 60 s is granted when it is 0):
     * completes once this candidate leads. Cancelling the returned future (the client gave up)
     * withdraws the candidacy.
     */
    CompletableFuture<CampaignResponse> campaign(Caller caller, CampaignRequest request);

    /** Sets the leader's value, if {@code leader} still leads; "election: not leader" otherwise. */
    CompletableFuture<ProclaimResponse> proclaim(Caller caller, ProclaimRequest request);

    /** The current leader's key-value; "election: no leader" when there is none. */
    CompletableFuture<LeaderResponse> leader(Caller caller, LeaderRequest request);

    /**
     * Tells {@code observer} the leader now, then every change of leader or of its value, until
     * the returned handle is closed. When there is no leader yet, the first call comes with the
     * first candidate. A failed read or watch ends the observation ({@link LeaderObserver#end}).
     */
    AutoCloseable observe(Caller caller, LeaderRequest request, LeaderObserver observer);

    /** Gives up leadership if {@code leader} still leads; nothing happens otherwise. */
    CompletableFuture<ResignResponse> resign(Caller caller, ResignRequest request);

    /** {@link #campaign(Caller, CampaignRequest)} for a caller inside the node. */
    default CompletableFuture<CampaignResponse> campaign(CampaignRequest request) {
        return campaign(Caller.INTERNAL, request);
    }

    /** {@link #proclaim(Caller, ProclaimRequest)} for a caller inside the node. */
    default CompletableFuture<ProclaimResponse> proclaim(ProclaimRequest request) {
        return proclaim(Caller.INTERNAL, request);
    }

    /** {@link #leader(Caller, LeaderRequest)} for a caller inside the node. */
    default CompletableFuture<LeaderResponse> leader(LeaderRequest request) {
        return leader(Caller.INTERNAL, request);
    }

    /** {@link #observe(Caller, LeaderRequest, LeaderObserver)} for a caller inside the node. */
    default AutoCloseable observe(LeaderRequest request, LeaderObserver observer) {
        return observe(Caller.INTERNAL, request, observer);
    }

    /** {@link #resign(Caller, ResignRequest)} for a caller inside the node. */
    default CompletableFuture<ResignResponse> resign(ResignRequest request) {
        return resign(Caller.INTERNAL, request);
    }
}
