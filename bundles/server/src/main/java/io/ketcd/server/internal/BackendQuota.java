package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * etcd's backend quota ({@code backendQuota}): what a put, a txn or a lease grant would add to
 * the backend, as etcd counts it, and whether the backend file plus that reaches
 * {@code quota-backend-bytes}. The server checks it before proposing; the KV applier asks the
 * same cost, as etcd's capped applier does, to know which requests a NOSPACE alarm refuses.
 */
public final class BackendQuota {
    /** etcd's {@code kvOverhead}: what its quota counts per put besides key and value. */
    public static final long PUT_OVERHEAD_BYTES = 256;
    /** etcd's {@code leaseOverhead}. */
    public static final long LEASE_COST_BYTES = 64;

    private final long quotaBytes;
    private final LongSupplier backendBytes;

    public BackendQuota(long quotaBytes, LongSupplier backendBytes) {
        this.quotaBytes = quotaBytes;
        this.backendBytes = backendBytes;
    }

    /** Whether a request costing {@code cost} bytes finds no room (etcd: {@code !Available}). */
    public boolean exceededBy(long cost) {
        return backendBytes.getAsLong() + cost >= quotaBytes;
    }

    public static long cost(PutRequest put) {
        return PUT_OVERHEAD_BYTES + put.getKey().size() + put.getValue().size();
    }

    /** etcd's txn cost: the puts of the larger branch (not those of nested txns, as etcd 3.4). */
    public static long cost(TxnRequest txn) {
        return Math.max(puts(txn.getSuccessList()), puts(txn.getFailureList()));
    }

    private static long puts(List<RequestOp> ops) {
        return ops.stream().filter(RequestOp::hasRequestPut).mapToLong(op -> cost(op.getRequestPut())).sum();
    }
}
