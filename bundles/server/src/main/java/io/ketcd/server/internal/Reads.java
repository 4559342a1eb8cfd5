package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.mvcc.KvStore;
import io.ketcd.mvcc.RequestValidator;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reads served from the member's own key-value store, outside the log: their checks, the reads
 * themselves, and where they run: on a pool of their own, never on the caller's thread (a gRPC
 * transport thread, which must not block on a large read) nor on the apply thread that completes
 * a linearizable read's wait (where they would delay applying).
 */
public final class Reads implements AutoCloseable {
    private final CurrentState state;
    private final RaftLoop raftLoop;
    private final AppliedIndex appliedIndex;
    private final int maxTxnOps;
    private final BooleanSupplier stopped;
    /** Runs the reads; see the class comment for why they have a pool of their own. */
    private final ExecutorService readers = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), new NamedThreads("ketcd-read"));

    /** @param stopped whether the member has stopped serving: it then refuses linearizable reads */
    Reads(CurrentState state, RaftLoop raftLoop, AppliedIndex appliedIndex, int maxTxnOps, BooleanSupplier stopped) {
        this.state = state;
        this.raftLoop = raftLoop;
        this.appliedIndex = appliedIndex;
        this.maxTxnOps = maxTxnOps;
        this.stopped = stopped;
    }

    public void validateRange(RangeRequest request) {
        RequestValidator.checkRange(request);
    }

    public RangeResponse range(RangeRequest request) {
        return state.read(s -> s.kv().range(request));
    }

    /** True when {@code request} only reads, so it is served like a range, not through the log. */
    public boolean isReadOnly(TxnRequest request) {
        return KvStore.isReadOnly(request);
    }

    /** etcd's checks of a read-only txn, including the {@code max-txn-ops} limit. */
    public void validateReadOnlyTxn(TxnRequest request) {
        RequestValidator.checkTxn(request, maxTxnOps);
    }

    /** Runs a read-only txn against the local store; see {@link #isReadOnly}. */
    public TxnResponse readOnlyTxn(TxnRequest request) {
        return state.read(s -> s.kv().txn(request));
    }

    public HashKVResponse hashKV(HashKVRequest request) {
        return state.read(s -> s.kv().hashKV(request));
    }

    /** Runs {@code read} on the read pool, against whatever the member has applied. */
    public <T> CompletableFuture<T> serializableRead(Supplier<T> read) {
        try {
            return CompletableFuture.supplyAsync(read, readers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
    }

    /**
     * Runs {@code read} once everything committed before this call is applied: the read index
     * comes from the leader (batched ReadIndex), so the read observes every write acknowledged
     * anywhere in the cluster before it.
     */
    public <T> CompletableFuture<T> linearizableRead(Supplier<T> read) {
        if (stopped.getAsBoolean()) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        return raftLoop.readIndex()
                .thenCompose(appliedIndex::await)
                .thenApplyAsync(v -> read.get(), readers);
    }

    @Override
    public void close() {
        readers.shutdownNow();
    }
}
