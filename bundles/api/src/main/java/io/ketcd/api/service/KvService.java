package io.ketcd.api.service;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code etcdserverpb.KV} service.
 *
 * <p>No method blocks: each checks its request, hands it on and returns a future that another
 * thread completes. Callers rely on it: the gRPC server runs these methods on its transport
 * threads, which serve many connections each.
 */
@ProviderType
public interface KvService {

    /**
     * Linearizable unless {@code serializable} is set, in which case the local store answers.
     * With auth on, {@code caller} needs read permission on the range.
     */
    CompletableFuture<RangeResponse> range(Caller caller, RangeRequest request);

    /** With auth on, {@code caller} needs write permission on the key (and read, for prev_kv). */
    CompletableFuture<PutResponse> put(Caller caller, PutRequest request);

    /** With auth on, {@code caller} needs write permission on the range (and read, for prev_kv). */
    CompletableFuture<DeleteRangeResponse> deleteRange(Caller caller, DeleteRangeRequest request);

    /**
     * A txn that only reads is served as a range is; any other goes through the log. With auth on,
     * {@code caller} needs read permission for every compare and the permissions of every
     * operation in both branches, nested txns included (etcd 3.4 checks the branch not taken too).
     */
    CompletableFuture<TxnResponse> txn(Caller caller, TxnRequest request);

    CompletableFuture<CompactionResponse> compact(Caller caller, CompactionRequest request);

    /** {@link #range(Caller, RangeRequest)} for a caller inside the node. */
    default CompletableFuture<RangeResponse> range(RangeRequest request) {
        return range(Caller.INTERNAL, request);
    }

    default CompletableFuture<PutResponse> put(PutRequest request) {
        return put(Caller.INTERNAL, request);
    }

    default CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return deleteRange(Caller.INTERNAL, request);
    }

    default CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return txn(Caller.INTERNAL, request);
    }

    default CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return compact(Caller.INTERNAL, request);
    }
}
