package io.ketcd.mvcc;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * A deliberately naive model of etcd 3.4's KV semantics, for checking {@link KvStore}: the full
 * history of every key as a list of events, never compacted (compaction only moves the revision
 * below which reads fail), and every answer recomputed from that list on each query. The
 * request rules are restated from etcd's apply.go and v3rpc/key.go without the store's data
 * structures (no index, no generations, no backend, no interval sets).
 */
final class EtcdModel {

    private record Event(ByteString key, long main, long sub, boolean tombstone, ByteString value, long lease) {
    }

    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private final Map<ByteString, List<Event>> history = new HashMap<>();
    private final LongPredicate leaseExists;
    private long rev = 1;
    private long compactRev = -1;
    /** Changes of the write in progress, at main revision rev + 1. */
    private int pending;

    EtcdModel(LongPredicate leaseExists) {
        this.leaseExists = leaseExists;
    }

    long rev() {
        return rev;
    }

    long compactRev() {
        return compactRev;
    }

    // ------------------------------------------------------------------ the history

    /** The key as it was at {@code at}: the last event at or before it, if that is a put. */
    private KeyValue kvAt(ByteString key, long at) {
        List<Event> events = history.getOrDefault(key, List.of());
        int last = events.size() - 1;
        while (last >= 0 && events.get(last).main() > at) {
            last--;
        }
        if (last < 0 || events.get(last).tombstone()) {
            return null;
        }
        int first = last;
        while (first > 0 && !events.get(first - 1).tombstone()) {
            first--;
        }
        Event e = events.get(last);
        return KeyValue.newBuilder().setKey(key).setValue(e.value()).setLease(e.lease())
                .setCreateRevision(events.get(first).main()).setModRevision(e.main())
                .setVersion(last - first + 1).build();
    }

    /** Whether {@code k} is in the range of a request's key and range_end. */
    private static boolean inRange(ByteString k, ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return k.equals(key);
        }
        if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
            return ORDER.compare(k, key) >= 0;
        }
        return ORDER.compare(k, key) >= 0 && ORDER.compare(k, rangeEnd) < 0;
    }

    private List<KeyValue> kvsAt(ByteString key, ByteString rangeEnd, long at) {
        List<KeyValue> out = new ArrayList<>();
        for (ByteString k : history.keySet()) {
            if (inRange(k, key, rangeEnd)) {
                KeyValue kv = kvAt(k, at);
                if (kv != null) {
                    out.add(kv);
                }
            }
        }
        out.sort(Comparator.comparing(KeyValue::getKey, ORDER));
        return out;
    }

    /**
     * The watch events of the keys in a request's {@code key} and {@code rangeEnd} from
     * {@code fromRev} on, as etcd sends them: in revision order, then sub-revision order; a
     * deletion as its key with {@code mod_revision} set.
     */
    List<io.ketcd.proto.mvccpb.Event> watchEvents(ByteString key, ByteString rangeEnd, long fromRev) {
        List<Event> all = new ArrayList<>();
        for (Map.Entry<ByteString, List<Event>> e : history.entrySet()) {
            if (inRange(e.getKey(), key, rangeEnd)) {
                e.getValue().stream().filter(ev -> ev.main() >= fromRev).forEach(all::add);
            }
        }
        all.sort(Comparator.comparingLong(Event::main).thenComparingLong(Event::sub));
        List<io.ketcd.proto.mvccpb.Event> out = new ArrayList<>();
        for (Event ev : all) {
            out.add(ev.tombstone()
                    ? io.ketcd.proto.mvccpb.Event.newBuilder().setType(io.ketcd.proto.mvccpb.Event.EventType.DELETE)
                            .setKv(KeyValue.newBuilder().setKey(ev.key()).setModRevision(ev.main())).build()
                    : io.ketcd.proto.mvccpb.Event.newBuilder().setType(io.ketcd.proto.mvccpb.Event.EventType.PUT)
                            .setKv(kvAt(ev.key(), ev.main())).build());
        }
        return out;
    }

    private long readRev() {
        return pending > 0 ? rev + 1 : rev;
    }

    private long write(ByteString key, ByteString value, long lease, boolean tombstone) {
        history.computeIfAbsent(key, k -> new ArrayList<>())
                .add(new Event(key, rev + 1, pending++, tombstone, value, lease));
        return rev + 1;
    }

    /** Ends a write: the revision moves on if anything changed. */
    private long end() {
        if (pending > 0) {
            rev++;
        }
        pending = 0;
        return rev;
    }

    private static ResponseHeader header(long r) {
        return ResponseHeader.newBuilder().setRevision(r).build();
    }

    // ------------------------------------------------------------------ requests

    RangeResponse range(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        return doRange(r, rev);
    }

    private RangeResponse doRange(RangeRequest r, long current) {
        long at = r.getRevision();
        if (at > current) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (at <= 0) {
            at = current;
        }
        if (at < compactRev) {
            throw EtcdError.COMPACTED.exception();
        }
        List<KeyValue> all = kvsAt(r.getKey(), r.getRangeEnd(), at);
        List<KeyValue> kvs = new ArrayList<>();
        for (KeyValue kv : r.getCountOnly() ? List.<KeyValue>of() : all) {
            boolean drop = (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision())
                    || (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision())
                    || (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision())
                    || (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision());
            if (!drop) {
                kvs.add(kv);
            }
        }
        boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        if (r.getSortOrderValue() == 0 && !filtered && r.getLimit() > 0 && kvs.size() > r.getLimit() + 1) {
            // etcd's quirk: with sort_order NONE it reads only limit + 1 keys (in key order), and
            // sorts those if the target is not KEY
            kvs = new ArrayList<>(kvs.subList(0, (int) r.getLimit() + 1));
        }
        int order = r.getSortOrderValue();
        if (order == 0 && r.getSortTargetValue() != 0) {
            order = 1;
        }
        if (order == 1 || order == 2) {
            Comparator<KeyValue> c = switch (r.getSortTargetValue()) {
                case 0 -> Comparator.comparing(KeyValue::getKey, ORDER);
                case 1 -> Comparator.comparingLong(KeyValue::getVersion);
                case 2 -> Comparator.comparingLong(KeyValue::getCreateRevision);
                case 3 -> Comparator.comparingLong(KeyValue::getModRevision);
                case 4 -> Comparator.comparing(KeyValue::getValue, ORDER);
                default -> throw new IllegalArgumentException("no sorter in etcd");
            };
            kvs.sort(order == 1 ? c : c.reversed());
        }
        if (r.getKeysOnly()) {
            kvs.replaceAll(kv -> kv.toBuilder().clearValue().build());
        }
        RangeResponse.Builder resp = RangeResponse.newBuilder().setHeader(header(current)).setCount(all.size());
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            resp.setMore(true);
            resp.addAllKvs(kvs.subList(0, (int) r.getLimit()));
        } else {
            resp.addAllKvs(kvs);
        }
        return resp.build();
    }

    PutResponse put(PutRequest p) {
        checkPut(p);
        if (p.getLease() != 0 && !leaseExists.test(p.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        PutResponse resp = doPut(p);
        end();
        return resp;
    }

    private PutResponse doPut(PutRequest p) {
        KeyValue prev = kvAt(p.getKey(), readRev());
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
        }
        PutResponse.Builder resp = PutResponse.newBuilder();
        if (p.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        long r = write(p.getKey(), p.getIgnoreValue() ? prev.getValue() : p.getValue(),
                p.getIgnoreLease() ? prev.getLease() : p.getLease(), false);
        return resp.setHeader(header(r)).build();
    }

    DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        if (d.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        DeleteRangeResponse resp = doDelete(d);
        end();
        return resp;
    }

    private DeleteRangeResponse doDelete(DeleteRangeRequest d) {
        List<KeyValue> existing = kvsAt(d.getKey(), d.getRangeEnd(), readRev());
        for (KeyValue kv : existing) {
            write(kv.getKey(), ByteString.EMPTY, 0, true);
        }
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder().setDeleted(existing.size())
                .setHeader(header(pending > 0 ? rev + 1 : rev));
        if (d.getPrevKv()) {
            resp.addAllPrevKvs(existing);
        }
        return resp.build();
    }

    CompactionResponse compact(CompactionRequest c) {
        if (c.getRevision() <= compactRev) {
            throw EtcdError.COMPACTED.exception();
        }
        if (c.getRevision() > rev) {
            throw EtcdError.FUTURE_REV.exception();
        }
        compactRev = c.getRevision();
        return CompactionResponse.newBuilder().setHeader(header(rev)).build();
    }

    // ------------------------------------------------------------------ txn

    TxnResponse txn(TxnRequest t) {
        checkShape(t, Integer.MAX_VALUE);
        checkDuplicates(t.getSuccessList());
        checkDuplicates(t.getFailureList());
        boolean readOnly = true;
        for (RequestOp op : concat(t.getSuccessList(), t.getFailureList())) {
            readOnly &= op.hasRequestRange();
        }
        // every compare, nested ones too, sees the store before the txn
        Map<TxnRequest, Boolean> decisions = new IdentityHashMap<>();
        decide(t, decisions);
        if (!readOnly) {
            checkChosenPuts(t, decisions, new HashMap<>());
        }
        checkChosenRanges(t, decisions);
        TxnResponse.Builder resp = execute(t, decisions);
        long r = pending > 0 ? rev + 1 : rev;
        end();
        return resp.setHeader(header(r)).build();
    }

    private static List<RequestOp> concat(List<RequestOp> a, List<RequestOp> b) {
        List<RequestOp> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Decides every txn reachable through chosen branches; keyed by identity of the message. */
    private void decide(TxnRequest t, Map<TxnRequest, Boolean> decisions) {
        boolean ok = t.getCompareList().stream().allMatch(this::holds);
        decisions.put(t, ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                decide(op.getRequestTxn(), decisions);
            }
        }
    }

    private boolean holds(Compare c) {
        List<KeyValue> kvs = kvsAt(c.getKey(), c.getRangeEnd(), rev);
        if (kvs.isEmpty()) {
            if (c.getTarget() == Compare.CompareTarget.VALUE) {
                return false;
            }
            kvs = List.of(KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            int cmp = switch (c.getTarget()) {
                case VERSION -> Long.compare(kv.getVersion(), c.hasVersion() ? c.getVersion() : 0);
                case CREATE -> Long.compare(kv.getCreateRevision(), c.hasCreateRevision() ? c.getCreateRevision() : 0);
                case MOD -> Long.compare(kv.getModRevision(), c.hasModRevision() ? c.getModRevision() : 0);
                case LEASE -> Long.compare(kv.getLease(), c.hasLease() ? c.getLease() : 0);
                case VALUE -> ORDER.compare(kv.getValue(), c.hasValue() ? c.getValue() : ByteString.EMPTY);
                default -> 0;
            };
            boolean ok = switch (c.getResult()) {
                case EQUAL -> cmp == 0;
                case NOT_EQUAL -> cmp != 0;
                case GREATER -> cmp > 0;
                case LESS -> cmp < 0;
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private List<RequestOp> chosen(TxnRequest t, Map<TxnRequest, Boolean> decisions) {
        return decisions.get(t) ? t.getSuccessList() : t.getFailureList();
    }

    /**
     * etcd's put checks in execution order, plus ketcd's rule where etcd 3.4 panics: a put with
     * ignore_value/ignore_lease whose key an earlier op of the txn deleted is KEY_NOT_FOUND.
     * {@code alive} tracks, forward, what the earlier ops did to each key.
     */
    private void checkChosenPuts(TxnRequest t, Map<TxnRequest, Boolean> decisions, Map<ByteString, Boolean> alive) {
        for (RequestOp op : chosen(t, decisions)) {
            if (op.hasRequestTxn()) {
                checkChosenPuts(op.getRequestTxn(), decisions, alive);
            } else if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                Set<ByteString> known = new HashSet<>(history.keySet());
                known.addAll(alive.keySet());
                for (ByteString k : known) {
                    if (inRange(k, d.getKey(), d.getRangeEnd())) {
                        alive.put(k, false);
                    }
                }
            } else if (op.hasRequestPut()) {
                PutRequest p = op.getRequestPut();
                if ((p.getIgnoreValue() || p.getIgnoreLease())
                        && (kvAt(p.getKey(), rev) == null || !alive.getOrDefault(p.getKey(), true))) {
                    throw EtcdError.KEY_NOT_FOUND.exception();
                }
                if (p.getLease() != 0 && !leaseExists.test(p.getLease())) {
                    throw EtcdError.LEASE_NOT_FOUND.exception();
                }
                alive.put(p.getKey(), true);
            }
        }
    }

    private void checkChosenRanges(TxnRequest t, Map<TxnRequest, Boolean> decisions) {
        for (RequestOp op : chosen(t, decisions)) {
            if (op.hasRequestTxn()) {
                checkChosenRanges(op.getRequestTxn(), decisions);
            } else if (op.hasRequestRange()) {
                long at = op.getRequestRange().getRevision();
                if (at != 0 && at > rev) {
                    throw EtcdError.FUTURE_REV.exception();
                }
                if (at != 0 && at < compactRev) {
                    throw EtcdError.COMPACTED.exception();
                }
            }
        }
    }

    private TxnResponse.Builder execute(TxnRequest t, Map<TxnRequest, Boolean> decisions) {
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(decisions.get(t));
        for (RequestOp op : chosen(t, decisions)) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            if (op.hasRequestRange()) {
                r.setResponseRange(doRange(op.getRequestRange(), readRev()));
            } else if (op.hasRequestPut()) {
                r.setResponsePut(doPut(op.getRequestPut()));
            } else if (op.hasRequestDeleteRange()) {
                r.setResponseDeleteRange(doDelete(op.getRequestDeleteRange()));
            } else {
                r.setResponseTxn(execute(op.getRequestTxn(), decisions).setHeader(ResponseHeader.getDefaultInstance()));
            }
            resp.addResponses(r);
        }
        return resp;
    }

    // ------------------------------------------------------------------ validation

    private static void checkPut(PutRequest p) {
        if (p.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (p.getIgnoreValue() && !p.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (p.getIgnoreLease() && p.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    private static void checkShape(TxnRequest t, int budget) {
        int opc = Math.max(t.getCompareCount(), Math.max(t.getSuccessCount(), t.getFailureCount()));
        if (opc > budget) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        if (t.getCompareList().stream().anyMatch(c -> c.getKey().isEmpty())) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        for (RequestOp op : concat(t.getSuccessList(), t.getFailureList())) {
            if (op.hasRequestRange() && op.getRequestRange().getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            } else if (op.hasRequestPut()) {
                checkPut(op.getRequestPut());
            } else if (op.hasRequestDeleteRange() && op.getRequestDeleteRange().getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            } else if (op.hasRequestTxn()) {
                checkShape(op.getRequestTxn(), budget - opc);
            } else if (!op.hasRequestRange() && !op.hasRequestPut() && !op.hasRequestDeleteRange()) {
                throw EtcdError.KEY_NOT_FOUND.exception();
            }
        }
    }

    /** A delete's interval [begin, end) in etcd's string-affine terms; a point is [k, k+"\0"). */
    private record Interval(ByteString begin, ByteString end) {
        boolean covers(ByteString k) {
            return ORDER.compare(begin, k) <= 0 && ORDER.compare(k, end) < 0;
        }
    }

    /** etcd's checkIntervals with lists; returns the keys put, fills {@code dels}. */
    private static Set<ByteString> checkDuplicates(List<RequestOp> ops, List<Interval> dels) {
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                dels.add(new Interval(d.getKey(), d.getRangeEnd().isEmpty()
                        ? d.getKey().concat(ByteString.copyFrom(new byte[1])) : d.getRangeEnd()));
            }
        }
        Set<ByteString> puts = new HashSet<>();
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            List<Interval> thenDels = new ArrayList<>();
            List<Interval> elseDels = new ArrayList<>();
            Set<ByteString> thenPuts = checkDuplicates(op.getRequestTxn().getSuccessList(), thenDels);
            Set<ByteString> elsePuts = checkDuplicates(op.getRequestTxn().getFailureList(), elseDels);
            for (ByteString k : thenPuts) {
                if (puts.contains(k) || dels.stream().anyMatch(i -> i.covers(k))) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            for (ByteString k : elsePuts) {
                if ((puts.contains(k) && !thenPuts.contains(k)) || dels.stream().anyMatch(i -> i.covers(k))) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            dels.addAll(thenDels);
            dels.addAll(elseDels);
        }
        for (RequestOp op : ops) {
            if (op.hasRequestPut()) {
                ByteString k = op.getRequestPut().getKey();
                if (puts.contains(k) || dels.stream().anyMatch(i -> i.covers(k))) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
        }
        return puts;
    }

    private static void checkDuplicates(List<RequestOp> ops) {
        checkDuplicates(ops, new ArrayList<>());
    }

    // ------------------------------------------------------------------ what the backend must hold

    /**
     * The revisions the backend's key bucket must hold after compaction, as {@code main.sub} with
     * {@code t} for tombstones: every event after the compaction revision, and for each key the
     * last event at or before it if that is a put (reads at the compaction revision need it).
     */
    Set<String> expectedBackend() {
        Set<String> out = new HashSet<>();
        for (List<Event> events : history.values()) {
            Event lastCompacted = null;
            for (Event e : events) {
                if (e.main() > compactRev) {
                    out.add(e.main() + "." + e.sub() + (e.tombstone() ? "t" : ""));
                } else {
                    lastCompacted = e;
                }
            }
            if (lastCompacted != null && !lastCompacted.tombstone()) {
                out.add(lastCompacted.main() + "." + lastCompacted.sub());
            }
        }
        return out;
    }
}
