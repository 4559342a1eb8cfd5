package io.ketcd.concurrency;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.KeyRanges;
import io.ketcd.api.service.Caller;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.WatchService;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What etcd's lock and election recipes ({@code clientv3/concurrency}) share: their sessions,
 * their keys under a prefix, and waiting until the keys created before one's own are deleted.
 */
final class Recipes {
    /** etcd's {@code concurrency.defaultSessionTTL}: the TTL of the lease a session grants. */
    static final long SESSION_TTL_SECONDS = 60;

    final KvService kv;
    final WatchService watch;
    final LeaseService lease;

    Recipes(KvService kv, WatchService watch, LeaseService lease) {
        this.kv = kv;
        this.watch = watch;
        this.lease = lease;
    }

    /** These recipes on behalf of {@code caller}: its reads, writes and watches are checked as its own. */
    Recipes as(Caller caller) {
        return caller.internal() ? this
                : new Recipes(CallerBound.kv(kv, caller), CallerBound.watch(watch, caller), lease);
    }

    /**
     * The lease a request's keys are held with, as etcd's server-side recipes make their
     * session: {@code id}, or, when it is 0, a new lease of 60 s (nothing keeps it alive: etcd
     * orphans the session at once).
     */
    CompletableFuture<Long> session(long id) {
        if (id != 0) {
            return CompletableFuture.completedFuture(id);
        }
        return lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(SESSION_TTL_SECONDS).build())
                .thenApply(granted -> granted.getID());
    }

    /** {@code <prefix><lease in hex>}: Go's {@code %x} of the signed id, as the recipes name their keys. */
    static ByteString key(ByteString prefix, long lease) {
        return prefix.concat(ByteString.copyFrom(BigInteger.valueOf(lease).toString(16), StandardCharsets.US_ASCII));
    }

    /** {@code name} + "/": the prefix of a lock's or an election's keys. */
    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** The key under {@code prefix} created first (clientv3's {@code WithFirstCreate}). */
    static RangeRequest firstCreated(ByteString prefix) {
        return underPrefix(prefix).setSortTarget(RangeRequest.SortTarget.CREATE)
                .setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /** The key under {@code prefix} created last at or before {@code maxCreateRevision}. */
    static RangeRequest lastCreated(ByteString prefix, long maxCreateRevision) {
        return underPrefix(prefix).setSortTarget(RangeRequest.SortTarget.CREATE)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setMaxCreateRevision(maxCreateRevision).build();
    }

    private static RangeRequest.Builder underPrefix(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(KeyRanges.prefixEnd(prefix)).setLimit(1);
    }

    static Compare createdAt(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    static RequestOp put(ByteString key, ByteString value, long lease) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease))
                .build();
    }

    static RequestOp get(RangeRequest range) {
        return RequestOp.newBuilder().setRequestRange(range).build();
    }

    static RequestOp get(ByteString key) {
        return get(RangeRequest.newBuilder().setKey(key).build());
    }

    static RequestOp delete(ByteString key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
    }

    /**
     * Completes when every key under {@code prefix} created at or before {@code maxCreateRevision}
     * is gone (clientv3's {@code waitDeletes}): it waits for the newest such key to be deleted,
     * then looks again. Completes with the header of the read that found none.
     */
    CompletableFuture<ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRevision, Attempt attempt) {
        if (attempt.cancelled()) {
            return Attempt.givenUp();
        }
        return kv.range(lastCreated(prefix, maxCreateRevision)).thenCompose(found -> {
            if (found.getKvsCount() == 0) {
                return CompletableFuture.completedFuture(found.getHeader());
            }
            return waitDelete(found.getKvs(0).getKey(), found.getHeader().getRevision(), attempt)
                    .thenCompose(deleted -> waitDeletes(prefix, maxCreateRevision, attempt));
        });
    }

    /** Completes once {@code key} is deleted at or after {@code revision} (clientv3's {@code waitDelete}). */
    private CompletableFuture<Void> waitDelete(ByteString key, long revision, Attempt attempt) {
        if (attempt.cancelled()) {
            return Attempt.givenUp();
        }
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        MemberWatch w = MemberWatch.open(watch, WatchCreateRequest.newBuilder().setKey(key).setStartRevision(revision)
                .build(), new MemberWatch.Events() {
                    @Override
                    public void events(MemberWatch w, WatchResponse response) {
                        if (response.getEventsList().stream().anyMatch(e -> e.getType() == Event.EventType.DELETE)) {
                            deleted.complete(null);
                        }
                    }

                    @Override
                    public void ended(EtcdException error) {
                        deleted.completeExceptionally(error != null ? error : lostWatcher());
                    }
                });
        if (!attempt.waitOn(() -> {
            w.close();
            deleted.completeExceptionally(new CancellationException("the client gave up"));
        })) {
            // given up meanwhile: waitOn ran the above already
            return deleted;
        }
        return deleted.whenComplete((done, failure) -> w.close());
    }

    /** The member ended the watch without an error (it is stopping). */
    private static RuntimeException lostWatcher() {
        return EtcdError.RECIPE_LOST_WATCHER.exception();
    }

    /** {@code step}'s outcome, its failure {@link #relayed}; cancelling the result does not cancel {@code step}. */
    static <T> CompletableFuture<T> relaying(CompletableFuture<T> step) {
        CompletableFuture<T> out = new CompletableFuture<>();
        step.whenComplete((value, failure) -> {
            if (failure != null) {
                out.completeExceptionally(relayed(failure));
            } else {
                out.complete(value);
            }
        });
        return out;
    }

    /** {@code failure}, to throw from a completion stage so that it fails with it. */
    static CompletionException asCompletion(Throwable failure) {
        return failure instanceof CompletionException c ? c : new CompletionException(failure);
    }

    /**
     * {@code failure} as etcd's server-side recipes answer it: an etcd error relayed (status
     * UNKNOWN, etcd's message); a cancellation, or anything else, as it is.
     */
    static Throwable relayed(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof EtcdException e) {
            return EtcdException.relayed(e.error());
        }
        return cause;
    }
}
