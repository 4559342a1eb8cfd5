package io.ketcd.concurrency;

import com.google.protobuf.ByteString;
import io.ketcd.api.service.Caller;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.WatchService;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Lock service ({@code v3lock}): clientv3's Mutex on the member's facets. A lock request
 * puts its key {@code <name>/<lease in hex>} (or finds it there, when the same lease asks again),
 * and holds the lock once no key of that name created before it is left: it waits for the
 * deletion of the newest older one, then looks again. A request that fails or is given up
 * while waiting deletes its key, as the Mutex does.
 */
public final class LockServer implements LockService {
    private static final Logger LOG = LoggerFactory.getLogger(LockServer.class);

    private final Recipes shared;

    public LockServer(KvService kv, WatchService watch, LeaseService lease) {
        this.shared = new Recipes(kv, watch, lease);
    }

    @Override
    public CompletableFuture<LockResponse> lock(Caller caller, LockRequest request) {
        Recipes recipes = shared.as(caller);
        return Attempt.run(attempt -> recipes.session(request.getLease())
                .thenCompose(lease -> acquire(recipes, Recipes.prefix(request.getName()), lease, attempt)));
    }

    private static CompletableFuture<LockResponse> acquire(Recipes recipes, ByteString prefix, long lease,
                                                           Attempt attempt) {
        ByteString myKey = Recipes.key(prefix, lease);
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Recipes.createdAt(myKey, 0))
                .addSuccess(Recipes.put(myKey, ByteString.EMPTY, lease))
                .addSuccess(Recipes.get(Recipes.firstCreated(prefix)))
                .addFailure(Recipes.get(myKey))
                .addFailure(Recipes.get(Recipes.firstCreated(prefix)))
                .build();
        return recipes.kv.txn(txn).thenCompose(put -> {
            long myRevision = put.getSucceeded() ? put.getHeader().getRevision()
                    : put.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            CompletableFuture<LockResponse> held = holds(put, myRevision)
                    ? CompletableFuture.completedFuture(LockResponse.newBuilder().setHeader(put.getHeader())
                            .setKey(myKey).build())
                    : waitForOlder(recipes, prefix, myRevision, myKey, attempt);
            return held.whenComplete((h, failure) -> {
                if (failure != null || attempt.cancelled()) {
                    release(recipes, myKey);
                }
            });
        });
    }

    /** Whether no key of the lock is older than this request's (the Mutex's one-round path). */
    private static boolean holds(TxnResponse put, long myRevision) {
        List<KeyValue> owner = put.getResponses(1).getResponseRange().getKvsList();
        return owner.isEmpty() || owner.get(0).getCreateRevision() == myRevision;
    }

    private static CompletableFuture<LockResponse> waitForOlder(Recipes recipes, ByteString prefix, long myRevision,
                                                                ByteString myKey, Attempt attempt) {
        return recipes.waitDeletes(prefix, myRevision - 1, attempt)
                .thenApply(header -> LockResponse.newBuilder().setHeader(header).setKey(myKey).build());
    }

    /** Deletes the key of a request that gave up or failed, so that it does not hold up the next. */
    private static void release(Recipes recipes, ByteString myKey) {
        recipes.kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(myKey).build()).whenComplete((deleted, failure) -> {
            if (failure != null) {
                LOG.warn("could not delete the lock key {} of a request that gave up: {} (its lease still ends it)",
                        myKey.toStringUtf8(), Recipes.relayed(failure).getMessage());
            }
        });
    }

    @Override
    public CompletableFuture<UnlockResponse> unlock(Caller caller, UnlockRequest request) {
        return Recipes.relaying(shared.as(caller).kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(request.getKey()).build())
                .thenApply(deleted -> UnlockResponse.newBuilder().setHeader(deleted.getHeader()).build()));
    }
}
