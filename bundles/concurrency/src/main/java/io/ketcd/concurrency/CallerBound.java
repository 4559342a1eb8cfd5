package io.ketcd.concurrency;

import io.ketcd.api.service.Caller;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;
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

/**
 * The member's KV and Watch facets as one client sees them: every request the recipes make on a
 * client's behalf carries that client's caller, so auth checks a lock or an election as it checks
 * the client's own reads and writes (etcd's v3lock and v3election use the client's context).
 */
final class CallerBound {
    private CallerBound() {
    }

    static KvService kv(KvService kv, Caller caller) {
        return new KvService() {
            @Override
            public CompletableFuture<RangeResponse> range(Caller ignored, RangeRequest request) {
                return kv.range(caller, request);
            }

            @Override
            public CompletableFuture<PutResponse> put(Caller ignored, PutRequest request) {
                return kv.put(caller, request);
            }

            @Override
            public CompletableFuture<DeleteRangeResponse> deleteRange(Caller ignored, DeleteRangeRequest request) {
                return kv.deleteRange(caller, request);
            }

            @Override
            public CompletableFuture<TxnResponse> txn(Caller ignored, TxnRequest request) {
                return kv.txn(caller, request);
            }

            @Override
            public CompletableFuture<CompactionResponse> compact(Caller ignored, CompactionRequest request) {
                return kv.compact(caller, request);
            }
        };
    }

    static WatchService watch(WatchService watch, Caller caller) {
        return (ignored, client) -> watch.open(caller, client);
    }
}
