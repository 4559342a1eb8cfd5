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

/** etcd's {@code etcdserverpb.KV} service. */
@ProviderType
public interface KvService {

    /** Linearizable unless {@code serializable} is set, in which case the local store answers. */
    CompletableFuture<RangeResponse> range(RangeRequest request);

    CompletableFuture<PutResponse> put(PutRequest request);

    CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

    /** A txn that only reads is served as a range is; any other goes through the log. */
    CompletableFuture<TxnResponse> txn(TxnRequest request);

    CompletableFuture<CompactionResponse> compact(CompactionRequest request);
}
