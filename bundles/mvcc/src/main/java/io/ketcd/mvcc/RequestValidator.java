package io.ketcd.mvcc;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.internal.Bytes;
import io.ketcd.mvcc.internal.KeyRangeSet;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd makes on KV requests before they are proposed (etcd's
 * {@code api/v3rpc/key.go}), in etcd's order, with etcd's errors. The server calls these in the
 * gRPC layer, so an invalid request never reaches the raft log; {@link KvStore} repeats them
 * (without the op limit). Stateless and thread-safe.
 */
public final class RequestValidator {

    /** etcd's default {@code --max-txn-ops}. */
    public static final int DEFAULT_MAX_TXN_OPS = 128;

    private RequestValidator() {
    }

    /** @throws EtcdException {@code EMPTY_KEY} */
    public static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /**
     * @throws EtcdException {@code EMPTY_KEY}; {@code VALUE_PROVIDED} if {@code ignore_value}
     *     comes with a value; {@code LEASE_PROVIDED} if {@code ignore_lease} comes with a lease
     */
    public static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    /** @throws EtcdException {@code EMPTY_KEY} */
    public static void checkDeleteRange(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /**
     * Checks a txn as etcd's gRPC layer does: first the shape of the whole txn, depth first
     * ({@code TOO_MANY_OPS} if the compares or either branch have more than {@code maxTxnOps}
     * entries, a nested txn getting what its parent left; {@code EMPTY_KEY} for a compare or op
     * without key; the put checks of {@link #checkPut}; {@code KEY_NOT_FOUND} for an op with no
     * request set), then {@code DUPLICATE_KEY} if a branch writes a key twice (see below).
     *
     * <p>Duplicates, per branch, as etcd 3.4 decides them: two puts of one key; a put of a key
     * that a delete of the same txn or of a nested txn covers. A put in the then- and in the
     * else-branch of one nested txn is fine (only one runs). Quirks kept for compatibility: a
     * delete with range_end {@code "\0"} (all keys from key on) or with range_end &lt;= key
     * covers no key in this check; and a delete in a nested txn is not checked against puts of
     * nested txns before it.
     */
    public static void checkTxn(TxnRequest r, int maxTxnOps) {
        checkTxnShape(r, maxTxnOps);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private static void checkTxnShape(TxnRequest r, int maxTxnOps) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
        for (RequestOp op : r.getFailureList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
    }

    private static void checkRequestOp(RequestOp op, int maxTxnOps) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDeleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnShape(op.getRequestTxn(), maxTxnOps);
            default -> throw EtcdError.KEY_NOT_FOUND.exception(); // an empty op, as etcd answers
        }
    }

    /** The keys put and the ranges deleted by a list of ops and the txns nested in it. */
    private record Writes(Set<ByteString> puts, KeyRangeSet dels) {
    }

    /** etcd's {@code checkIntervals}. */
    private static Writes checkIntervals(List<RequestOp> ops) {
        KeyRangeSet dels = new KeyRangeSet();
        for (RequestOp op : ops) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_DELETE_RANGE) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                dels.add(d.getKey(), d.getRangeEnd().isEmpty() ? Bytes.successor(d.getKey()) : d.getRangeEnd());
            }
        }
        Set<ByteString> puts = new HashSet<>();
        for (RequestOp op : ops) {
            if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_TXN) {
                continue;
            }
            Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
            Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (puts.contains(k) || dels.contains(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            for (ByteString k : otherwise.puts()) {
                // a key also put by the then-branch is fine: only one branch runs
                if ((puts.contains(k) && !then.puts().contains(k)) || dels.contains(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            dels.addAll(then.dels());
            dels.addAll(otherwise.dels());
        }
        for (RequestOp op : ops) {
            if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_PUT) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (puts.contains(k) || dels.contains(k)) {
                throw EtcdError.DUPLICATE_KEY.exception();
            }
            puts.add(k);
        }
        return new Writes(puts, dels);
    }
}
