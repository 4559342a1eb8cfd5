package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.mvcc.KvStore;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;
import io.ketcd.server.auth.AuthInfo;
import io.ketcd.server.auth.KvPermissions;

import java.util.EnumSet;
import java.util.Set;

/**
 * Applies etcd's KV requests (put, delete range, txn, compaction) to the key-value store; while a
 * NOSPACE alarm is raised, refuses those that add data, and while a CORRUPT alarm is, all of them.
 */
final class KvApplier implements RequestApplier {

    @Override
    public Set<RequestCase> requests() {
        return EnumSet.of(RequestCase.PUT, RequestCase.DELETE_RANGE, RequestCase.TXN, RequestCase.COMPACTION);
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        KvStore kv = state.kv();
        if (AlarmApplier.corrupt(state)) {
            throw EtcdError.CORRUPT.exception();
        }
        if (AlarmApplier.outOfSpace(state) && grows(r)) {
            // etcd's capped applier: a refused request changes nothing, and the loop records the index
            throw EtcdError.NO_SPACE.exception();
        }
        checkPermitted(state, r);
        return switch (r.getRequestCase()) {
            case PUT -> kv.put(r.getPut(), index);
            case DELETE_RANGE -> kv.deleteRange(r.getDeleteRange(), index);
            case TXN -> kv.txn(r.getTxn(), index);
            case COMPACTION -> kv.compact(r.getCompaction(), index);
            default -> throw new IllegalArgumentException("not a KV request: " + r.getRequestCase());
        };
    }

    /**
     * etcd's authApplierV3: the permissions are checked again as the request is applied, with
     * the user and auth revision it was proposed with, so a change of the auth store that got
     * into the log first is seen ("revision of auth store is old").
     */
    private static void checkPermitted(AppliedState state, InternalRaftRequest r) {
        if (r.getHeader().getInternal()) {
            return;
        }
        AuthInfo who = new AuthInfo(r.getHeader().getUsername(), r.getHeader().getAuthRevision());
        switch (r.getRequestCase()) {
            case PUT -> KvPermissions.put(state.auth(), who, r.getPut());
            case DELETE_RANGE -> KvPermissions.deleteRange(state.auth(), who, r.getDeleteRange());
            case TXN -> KvPermissions.txn(state.auth(), who, r.getTxn());
            default -> {
                // etcd 3.4 lets any caller compact
            }
        }
    }

    /** Whether {@code r} adds to the backend by etcd's count (its capped applier: {@code Cost(r) > 0}). */
    private static boolean grows(InternalRaftRequest r) {
        return switch (r.getRequestCase()) {
            case PUT -> true;
            case TXN -> BackendQuota.cost(r.getTxn()) > 0;
            default -> false;
        };
    }
}
