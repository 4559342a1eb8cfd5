package io.ketcd.server.auth;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;

/**
 * Which permissions etcd 3.4 asks of a KV request (its authApplierV3 and checkTxnAuth): read on a
 * range; write on a put's key or a delete's range, plus read on it when the previous values are
 * asked for; for a txn, read on every compare and the permissions of every operation of both
 * branches, nested txns included. Each check throws etcd's error ({@code AuthStore#checkPermitted}).
 */
public final class KvPermissions {
    private KvPermissions() {
    }

    public static void range(AuthStore auth, AuthInfo who, RangeRequest r) {
        auth.checkPermitted(who, r.getKey(), r.getRangeEnd(), false);
    }

    public static void put(AuthStore auth, AuthInfo who, PutRequest r) {
        auth.checkPermitted(who, r.getKey(), ByteString.EMPTY, true);
        if (r.getPrevKv()) {
            auth.checkPermitted(who, r.getKey(), ByteString.EMPTY, false);
        }
    }

    public static void deleteRange(AuthStore auth, AuthInfo who, DeleteRangeRequest r) {
        auth.checkPermitted(who, r.getKey(), r.getRangeEnd(), true);
        if (r.getPrevKv()) {
            auth.checkPermitted(who, r.getKey(), r.getRangeEnd(), false);
        }
    }

    public static void txn(AuthStore auth, AuthInfo who, TxnRequest r) {
        for (Compare c : r.getCompareList()) {
            auth.checkPermitted(who, c.getKey(), c.getRangeEnd(), false);
        }
        ops(auth, who, r.getSuccessList());
        ops(auth, who, r.getFailureList());
    }

    private static void ops(AuthStore auth, AuthInfo who, Iterable<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> range(auth, who, op.getRequestRange());
                case REQUEST_PUT -> put(auth, who, op.getRequestPut());
                case REQUEST_DELETE_RANGE -> deleteRange(auth, who, op.getRequestDeleteRange());
                case REQUEST_TXN -> txn(auth, who, op.getRequestTxn());
                default -> {
                    // an empty operation: nothing to check
                }
            }
        }
    }
}
