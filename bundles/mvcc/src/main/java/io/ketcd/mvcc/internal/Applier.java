package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.ResponseOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The semantics of etcd's KV requests over a view of the store (etcd's
 * {@code applierV3backend}: Range, Put, DeleteRange, Txn). Responses carry a header with only
 * {@code revision} set: the revision the result reflects.
 *
 * <p>Every {@link io.ketcd.api.EtcdException} is thrown before the request changes anything.
 */
public final class Applier {

    private final LongPredicate leaseExists;

    /** @param leaseExists whether a lease id is granted and not expired */
    public Applier(LongPredicate leaseExists) {
        this.leaseExists = leaseExists;
    }

    // ---------------------------------------------------------------- Range

    /**
     * A range as etcd serves it: fetch (everything when filtering or sorting, else one more than
     * the limit), drop what the revision filters exclude, sort, truncate to the limit. Count is
     * the number of keys in the range before filtering and limiting.
     */
    public RangeResponse range(ReadView view, RangeRequest r) {
        boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        long limit = r.getLimit();
        if (r.getSortOrderValue() != RangeRequest.SortOrder.NONE_VALUE || filtered) {
            limit = 0;
        }
        if (limit > 0) {
            limit = limit + 1; // one more tells whether there is more
        }
        RangeResult rr = view.range(r.getKey(), Bytes.indexEnd(r.getRangeEnd()), r.getRevision(), limit,
                r.getCountOnly());
        List<KeyValue> kvs = rr.kvs();
        if (filtered) {
            kvs = new ArrayList<>(kvs);
            kvs.removeIf(kv -> (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision())
                    || (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision())
                    || (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision())
                    || (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()));
        }
        kvs = sort(kvs, r.getSortOrderValue(), r.getSortTargetValue());

        RangeResponse.Builder resp = RangeResponse.newBuilder().setHeader(header(rr.rev())).setCount(rr.count());
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            kvs = kvs.subList(0, (int) r.getLimit());
            resp.setMore(true);
        }
        for (KeyValue kv : kvs) {
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.build();
    }

    /**
     * Sorts as etcd does: a target other than KEY with order NONE sorts ascending; KEY with NONE
     * keeps the index's key order. The sort is stable, so ties stay in key order (etcd's Go sort
     * is only stable for up to 12 items; beyond that its order of ties is unspecified).
     */
    private static List<KeyValue> sort(List<KeyValue> kvs, int order, int target) {
        if (target != RangeRequest.SortTarget.KEY_VALUE && order == RangeRequest.SortOrder.NONE_VALUE) {
            order = RangeRequest.SortOrder.ASCEND_VALUE;
        }
        if (order != RangeRequest.SortOrder.ASCEND_VALUE && order != RangeRequest.SortOrder.DESCEND_VALUE) {
            return kvs;
        }
        Comparator<KeyValue> c = switch (target) {
            case RangeRequest.SortTarget.KEY_VALUE -> Comparator.comparing(KeyValue::getKey, Bytes.ORDER);
            case RangeRequest.SortTarget.VERSION_VALUE -> Comparator.comparingLong(KeyValue::getVersion);
            case RangeRequest.SortTarget.CREATE_VALUE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case RangeRequest.SortTarget.MOD_VALUE -> Comparator.comparingLong(KeyValue::getModRevision);
            case RangeRequest.SortTarget.VALUE_VALUE -> Comparator.comparing(KeyValue::getValue, Bytes.ORDER);
            default -> null; // etcd has no sorter for an unknown target
        };
        if (c == null) {
            return kvs;
        }
        List<KeyValue> sorted = new ArrayList<>(kvs);
        sorted.sort(order == RangeRequest.SortOrder.ASCEND_VALUE ? c : c.reversed());
        return sorted;
    }

    // ---------------------------------------------------------------- Put

    /**
     * A put on its own (not in a txn): the lease must exist, then the ignore flags need the key.
     *
     * @throws io.ketcd.api.EtcdException {@code LEASE_NOT_FOUND}, {@code KEY_NOT_FOUND}
     */
    public PutResponse put(WriteTxn txn, PutRequest p) {
        if (p.getLease() != 0 && !leaseExists.test(p.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        return doPut(txn, p);
    }

    private PutResponse doPut(WriteTxn txn, PutRequest p) {
        ByteString value = p.getValue();
        long lease = p.getLease();
        KeyValue prev = null;
        if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
            List<KeyValue> kvs = txn.range(p.getKey(), null, 0, 0, false).kvs();
            prev = kvs.isEmpty() ? null : kvs.get(0);
        }
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
        }
        if (p.getIgnoreValue()) {
            value = prev.getValue();
        }
        if (p.getIgnoreLease()) {
            lease = prev.getLease();
        }
        PutResponse.Builder resp = PutResponse.newBuilder();
        if (p.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        return resp.setHeader(header(txn.put(p.getKey(), value, lease))).build();
    }

    // ---------------------------------------------------------------- DeleteRange

    public DeleteRangeResponse deleteRange(WriteTxn txn, DeleteRangeRequest dr) {
        ByteString end = Bytes.indexEnd(dr.getRangeEnd());
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
        if (dr.getPrevKv()) {
            resp.addAllPrevKvs(txn.range(dr.getKey(), end, 0, 0, false).kvs());
        }
        long[] deleted = txn.deleteRange(dr.getKey(), end);
        return resp.setDeleted(deleted[0]).setHeader(header(deleted[1])).build();
    }

    // ---------------------------------------------------------------- Txn

    /**
     * True if the txn only reads (etcd's {@code isTxnReadonly}): every op of both branches is a
     * range. Such a txn never changes the store and may be served from any thread.
     */
    public static boolean isReadOnly(TxnRequest rt) {
        return rt.getSuccessList().stream().allMatch(Applier::isRange)
                && rt.getFailureList().stream().allMatch(Applier::isRange);
    }

    private static boolean isRange(RequestOp op) {
        return op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE;
    }

    /**
     * Decides the branch of the txn and of every nested txn (all compares see the store before
     * the txn, not its own writes), checks the chosen puts (unless read-only) and ranges, then
     * runs the chosen ops in order.
     *
     * @param txn where the txn runs: a {@link WriteTxn} that has not changed anything yet, or
     *     any view for a {@link #isReadOnly read-only} txn
     * @throws io.ketcd.api.EtcdException {@code KEY_NOT_FOUND} or {@code LEASE_NOT_FOUND} from a
     *     put, then {@code FUTURE_REV} or {@code COMPACTED} from a range; nothing has changed
     */
    public TxnResponse txn(ReadView txn, TxnRequest rt) {
        Path path = decide(txn, rt);
        if (!isReadOnly(rt)) {
            checkPuts(txn, rt, path, new ArrayList<>());
        }
        checkRanges(txn, rt, path);
        TxnResponse.Builder resp = applyTxn(txn, rt, path);
        long rev = txn.rev();
        if (txn instanceof WriteTxn w && w.changed()) {
            rev++;
        }
        return resp.setHeader(header(rev)).build();
    }

    /** The branch taken by a txn, and the paths of the nested txns in that branch, in order. */
    private record Path(boolean succeeded, List<Path> nested) {
    }

    private Path decide(ReadView view, TxnRequest rt) {
        boolean ok = true;
        for (Compare c : rt.getCompareList()) {
            if (!compare(view, c)) {
                ok = false;
                break;
            }
        }
        List<Path> nested = new ArrayList<>();
        for (RequestOp op : ops(rt, ok)) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                nested.add(decide(view, op.getRequestTxn()));
            }
        }
        return new Path(ok, nested);
    }

    private static List<RequestOp> ops(TxnRequest rt, boolean succeeded) {
        return succeeded ? rt.getSuccessList() : rt.getFailureList();
    }

    /**
     * etcd's put checks, in execution order: a put with ignore_value or ignore_lease needs its
     * key, and a lease must exist.
     *
     * <p>Beyond etcd: etcd looks the key up in the store before the txn only, so a txn that
     * first deletes the key (through a delete etcd's duplicate check lets pass, see
     * {@link io.ketcd.mvcc.RequestValidator#checkTxn}) and then puts it with ignore_value passes
     * the check and fails half-way, which makes etcd 3.4 panic (and panic again on replay). Here
     * the ops run before the put decide whether the key will be there, and the txn is rejected
     * with {@code KEY_NOT_FOUND} before it changes anything.
     *
     * @param executed the puts and deletes that run before the ops of {@code rt}, in order;
     *     the writes of {@code rt} are appended
     */
    private void checkPuts(ReadView view, TxnRequest rt, Path path, List<RequestOp> executed) {
        int n = 0;
        for (RequestOp op : ops(rt, path.succeeded())) {
            switch (op.getRequestCase()) {
                case REQUEST_TXN -> checkPuts(view, op.getRequestTxn(), path.nested().get(n++), executed);
                case REQUEST_DELETE_RANGE -> executed.add(op);
                case REQUEST_PUT -> {
                    PutRequest p = op.getRequestPut();
                    if ((p.getIgnoreValue() || p.getIgnoreLease()) && !existsWhenRun(view, p.getKey(), executed)) {
                        throw EtcdError.KEY_NOT_FOUND.exception();
                    }
                    if (p.getLease() != 0 && !leaseExists.test(p.getLease())) {
                        throw EtcdError.LEASE_NOT_FOUND.exception();
                    }
                    executed.add(op);
                }
                default -> { }
            }
        }
    }

    /**
     * Whether {@code key} exists before the txn (etcd's check) and still after {@code executed}
     * ran (the last of them that touches it is not a delete).
     */
    private static boolean existsWhenRun(ReadView view, ByteString key, List<RequestOp> executed) {
        if (view.range(key, null, 0, 0, false).kvs().isEmpty()) {
            return false;
        }
        for (int i = executed.size() - 1; i >= 0; i--) {
            RequestOp op = executed.get(i);
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_PUT) {
                if (op.getRequestPut().getKey().equals(key)) {
                    return true;
                }
            } else {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                if (Bytes.inRange(key, d.getKey(), Bytes.indexEnd(d.getRangeEnd()))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void checkRanges(ReadView view, TxnRequest rt, Path path) {
        int n = 0;
        for (RequestOp op : ops(rt, path.succeeded())) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                checkRanges(view, op.getRequestTxn(), path.nested().get(n++));
            } else if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE) {
                long rev = op.getRequestRange().getRevision();
                // unlike a range on its own, a negative revision is not "current" here
                if (rev == 0) {
                    continue;
                }
                if (rev > view.rev()) {
                    throw EtcdError.FUTURE_REV.exception();
                }
                if (rev < view.firstRev()) {
                    throw EtcdError.COMPACTED.exception();
                }
            }
        }
    }

    private TxnResponse.Builder applyTxn(ReadView txn, TxnRequest rt, Path path) {
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(path.succeeded());
        int n = 0;
        for (RequestOp op : ops(rt, path.succeeded())) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(range(txn, op.getRequestRange()));
                case REQUEST_PUT -> r.setResponsePut(doPut((WriteTxn) txn, op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(deleteRange((WriteTxn) txn,
                        op.getRequestDeleteRange()));
                // a nested txn's header is present but empty, as in etcd
                case REQUEST_TXN -> r.setResponseTxn(applyTxn(txn, op.getRequestTxn(), path.nested().get(n++))
                        .setHeader(ResponseHeader.getDefaultInstance()));
                default -> { } // an empty op; RequestValidator rejects it before it gets here
            }
            resp.addResponses(r);
        }
        return resp;
    }

    /**
     * etcd's {@code applyCompare}: every key of the compare's range must satisfy it; a range with
     * no key compares as one key with all fields zero, except that a VALUE compare fails.
     */
    private static boolean compare(ReadView view, Compare c) {
        List<KeyValue> kvs = view.range(c.getKey(), Bytes.indexEnd(c.getRangeEnd()), 0, 0, false).kvs();
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && compareKv(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKv(Compare c, KeyValue kv) {
        // the getters of the target union answer 0 or empty when the union holds another field,
        // which is what etcd compares against then
        int result = switch (c.getTargetValue()) {
            case Compare.CompareTarget.VALUE_VALUE -> Bytes.ORDER.compare(kv.getValue(), c.getValue());
            case Compare.CompareTarget.CREATE_VALUE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
            case Compare.CompareTarget.MOD_VALUE -> Long.compare(kv.getModRevision(), c.getModRevision());
            case Compare.CompareTarget.VERSION_VALUE -> Long.compare(kv.getVersion(), c.getVersion());
            case Compare.CompareTarget.LEASE_VALUE -> Long.compare(kv.getLease(), c.getLease());
            default -> 0;
        };
        return switch (c.getResultValue()) {
            case Compare.CompareResult.EQUAL_VALUE -> result == 0;
            case Compare.CompareResult.NOT_EQUAL_VALUE -> result != 0;
            case Compare.CompareResult.GREATER_VALUE -> result > 0;
            case Compare.CompareResult.LESS_VALUE -> result < 0;
            default -> true;
        };
    }

    static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }
}
