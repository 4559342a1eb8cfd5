package io.ketcd.concurrency;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.Caller;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.WatchService;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.CampaignResponse;
import io.ketcd.proto.v3electionpb.LeaderKey;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ProclaimResponse;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3electionpb.ResignResponse;

import java.util.concurrent.CompletableFuture;

/**
 * etcd's Election service ({@code v3election}): clientv3's Election on the member's facets. A
 * candidate is the key {@code <name>/<lease in hex>} with its value; the leader is the candidate
 * created first, and a campaign completes once every candidate created before it is gone. A
 * leader is named by its key and that key's create revision ({@link LeaderKey}), so a key that was
 * deleted and made again is another candidate: proclaiming or resigning with the old one does not
 * touch it.
 */
public final class ElectionServer implements ElectionService {
    private final Recipes shared;

    public ElectionServer(KvService kv, WatchService watch, LeaseService lease) {
        this.shared = new Recipes(kv, watch, lease);
    }

    @Override
    public CompletableFuture<CampaignResponse> campaign(Caller caller, CampaignRequest request) {
        Recipes recipes = shared.as(caller);
        return Attempt.run(attempt -> recipes.session(request.getLease())
                .thenCompose(lease -> campaign(recipes, request, lease, attempt)));
    }

    private static CompletableFuture<CampaignResponse> campaign(Recipes recipes, CampaignRequest request, long lease,
                                                                Attempt attempt) {
        ByteString prefix = Recipes.prefix(request.getName());
        ByteString key = Recipes.key(prefix, lease);
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Recipes.createdAt(key, 0))
                .addSuccess(Recipes.put(key, request.getValue(), lease))
                .addFailure(Recipes.get(key))
                .build();
        return recipes.kv.txn(txn).thenCompose(put -> {
            LeaderKey.Builder leader = LeaderKey.newBuilder().setName(request.getName()).setKey(key).setLease(lease)
                    .setRev(put.getHeader().getRevision());
            CompletableFuture<?> valueSet = CompletableFuture.completedFuture(null);
            if (!put.getSucceeded()) {
                // this lease campaigns already: the same candidate, whose value may have to change
                KeyValue existing = put.getResponses(0).getResponseRange().getKvs(0);
                leader.setRev(existing.getCreateRevision());
                if (!existing.getValue().equals(request.getValue())) {
                    valueSet = proclaim(recipes, leader.build(), request.getValue()).exceptionallyCompose(
                            failure -> resign(recipes, leader.build()).handle((r, e) -> {
                                throw Recipes.asCompletion(failure);
                            }));
                }
            }
            CampaignResponse won = CampaignResponse.newBuilder().setHeader(put.getHeader()).setLeader(leader).build();
            return valueSet.thenCompose(v -> recipes.waitDeletes(prefix, leader.getRev() - 1, attempt))
                    .handle((header, failure) -> {
                        if (failure == null && !attempt.cancelled()) {
                            return CompletableFuture.completedFuture(won);
                        }
                        if (attempt.cancelled()) {
                            // the client gave up: the candidacy is withdrawn, as the Election does on a cancelled context
                            resign(recipes, leader.build());
                        }
                        return failure != null ? CompletableFuture.<CampaignResponse>failedFuture(failure)
                                : Attempt.<CampaignResponse>givenUp();
                    }).thenCompose(f -> f);
        });
    }

    @Override
    public CompletableFuture<ProclaimResponse> proclaim(Caller caller, ProclaimRequest request) {
        if (!request.hasLeader()) {
            return CompletableFuture.failedFuture(EtcdError.ELECTION_LEADER_KEY_MISSING.exception());
        }
        Recipes recipes = shared.as(caller);
        return Recipes.relaying(recipes.session(request.getLeader().getLease())
                .thenCompose(lease -> proclaim(recipes, request.getLeader().toBuilder().setLease(lease).build(), request.getValue()))
                .thenApply(header -> ProclaimResponse.newBuilder().setHeader(header).build()));
    }

    /** Sets the leader's value if {@code leader} still leads; "election: not leader" otherwise. */
    private static CompletableFuture<ResponseHeader> proclaim(Recipes recipes, LeaderKey leader, ByteString value) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Recipes.createdAt(leader.getKey(), leader.getRev()))
                .addSuccess(Recipes.put(leader.getKey(), value, leader.getLease()))
                .build();
        return recipes.kv.txn(txn).thenApply(set -> {
            if (!set.getSucceeded()) {
                throw EtcdError.ELECTION_NOT_LEADER.exception();
            }
            return set.getHeader();
        });
    }

    @Override
    public CompletableFuture<LeaderResponse> leader(Caller caller, LeaderRequest request) {
        return Recipes.relaying(shared.as(caller).kv.range(Recipes.firstCreated(Recipes.prefix(request.getName()))).thenApply(found -> {
            if (found.getKvsCount() == 0) {
                throw EtcdError.ELECTION_NO_LEADER.exception();
            }
            return LeaderResponse.newBuilder().setHeader(found.getHeader()).setKv(found.getKvs(0)).build();
        }));
    }

    @Override
    public AutoCloseable observe(Caller caller, LeaderRequest request, LeaderObserver observer) {
        return LeaderObservation.start(shared.as(caller), Recipes.prefix(request.getName()), observer);
    }

    @Override
    public CompletableFuture<ResignResponse> resign(Caller caller, ResignRequest request) {
        if (!request.hasLeader()) {
            return CompletableFuture.failedFuture(EtcdError.ELECTION_LEADER_KEY_MISSING.exception());
        }
        Recipes recipes = shared.as(caller);
        // etcd makes a session for the leader's lease here too, granting one when it is 0
        return Recipes.relaying(recipes.session(request.getLeader().getLease())
                .thenCompose(lease -> resign(recipes, request.getLeader()))
                .thenApply(resigned -> ResignResponse.newBuilder().setHeader(resigned.getHeader()).build()));
    }

    /** Deletes the leader's key if {@code leader} still leads; nothing happens otherwise. */
    private static CompletableFuture<TxnResponse> resign(Recipes recipes, LeaderKey leader) {
        return recipes.kv.txn(TxnRequest.newBuilder()
                .addCompare(Recipes.createdAt(leader.getKey(), leader.getRev()))
                .addSuccess(Recipes.delete(leader.getKey()))
                .build());
    }
}
