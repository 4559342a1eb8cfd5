package io.ketcd.server.internal;

import io.ketcd.mvcc.KvStore;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;

import java.util.EnumSet;
import java.util.Set;

/** Applies etcd's KV requests (put, delete range, txn, compaction) to the key-value store. */
final class KvApplier implements RequestApplier {

    @Override
    public Set<RequestCase> requests() {
        return EnumSet.of(RequestCase.PUT, RequestCase.DELETE_RANGE, RequestCase.TXN, RequestCase.COMPACTION);
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        KvStore kv = state.kv();
        return switch (r.getRequestCase()) {
            case PUT -> kv.put(r.getPut(), index);
            case DELETE_RANGE -> kv.deleteRange(r.getDeleteRange(), index);
            case TXN -> kv.txn(r.getTxn(), index);
            case COMPACTION -> kv.compact(r.getCompaction(), index);
            default -> throw new IllegalArgumentException("not a KV request: " + r.getRequestCase());
        };
    }
}
