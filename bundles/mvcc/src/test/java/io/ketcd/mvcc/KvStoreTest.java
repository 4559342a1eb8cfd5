package io.ketcd.mvcc;

import static io.ketcd.mvcc.Requests.ALL;
import static io.ketcd.mvcc.Requests.b;
import static io.ketcd.mvcc.Requests.cmp;
import static io.ketcd.mvcc.Requests.del;
import static io.ketcd.mvcc.Requests.get;
import static io.ketcd.mvcc.Requests.kv;
import static io.ketcd.mvcc.Requests.op;
import static io.ketcd.mvcc.Requests.put;
import static io.ketcd.mvcc.Requests.range;
import static io.ketcd.mvcc.Requests.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.internal.Revision;
import io.ketcd.proto.etcdserverpb.Compare.CompareResult;
import io.ketcd.proto.etcdserverpb.Compare.CompareTarget;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest.SortOrder;
import io.ketcd.proto.etcdserverpb.RangeRequest.SortTarget;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One test per option and error of etcd's KV API; expected values checked against etcd 3.4.23. */
class KvStoreTest {

    private final MemoryBackend backend = new MemoryBackend();
    private final KvStore store = new KvStore(backend, lease -> lease == 7 || lease == 8);

    private long write(String key, String value) {
        return store.put(put(key, value).build()).getHeader().getRevision();
    }

    private List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    private static void assertError(EtcdError error, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(EtcdException.class, e -> assertThat(e.error()).isEqualTo(error));
    }

    private static ResponseHeader rev(long r) {
        return ResponseHeader.newBuilder().setRevision(r).build();
    }

    @Nested
    class Revisions {
        @Test
        void emptyStoreIsAtRevisionOne() {
            assertThat(store.currentRevision()).isEqualTo(1);
            assertThat(store.compactRevision()).isEqualTo(-1);
            assertThat(store.range(get("a").build()).getHeader()).isEqualTo(rev(1));
        }

        @Test
        void putTracksCreateModAndVersionAcrossGenerations() {
            assertThat(write("a", "1")).isEqualTo(2);
            assertThat(write("a", "2")).isEqualTo(3);
            assertThat(store.range(get("a").build()).getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
            assertThat(store.deleteRange(del("a").build()).getHeader()).isEqualTo(rev(4));
            assertThat(write("a", "3")).isEqualTo(5);
            assertThat(store.range(get("a").build()).getKvsList()).containsExactly(kv("a", "3", 5, 5, 1));
            assertThat(store.currentRevision()).isEqualTo(5);
        }

        @Test
        void writesThatChangeNothingKeepTheRevision() {
            write("a", "1");
            DeleteRangeResponse d = store.deleteRange(del("nothing").build());
            assertThat(d.getDeleted()).isZero();
            assertThat(d.getHeader()).isEqualTo(rev(2));
            TxnResponse t = store.txn(txn(List.of(), List.of(op(get("a"))), List.of()).build());
            assertThat(t.getHeader()).isEqualTo(rev(2));
            // a write txn whose chosen branch only reads
            TxnResponse t2 = store.txn(txn(List.of(cmp("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(1).build()),
                    List.of(op(get("a"))), List.of(op(put("b", "x")))).build());
            assertThat(t2.getSucceeded()).isTrue();
            assertThat(t2.getHeader()).isEqualTo(rev(2));
            assertThat(store.currentRevision()).isEqualTo(2);
        }

        @Test
        void aTxnIsOneMainRevisionWithIncreasingSubRevisions() {
            write("c", "0");
            TxnResponse t = store.txn(txn(List.of(), List.of(op(put("a", "1")), op(put("b", "2")), op(del("c"))),
                    List.of()).build());
            assertThat(t.getHeader()).isEqualTo(rev(3));
            var keyBucket = backend.bucket("key");
            assertThat(keyBucket.get(new Revision(3, 0).toBytes())).isNotNull();
            assertThat(keyBucket.get(new Revision(3, 1).toBytes())).isNotNull();
            assertThat(keyBucket.get(new Revision(3, 2).toTombstoneBytes())).isNotNull();
            assertThat(keyBucket.size()).isEqualTo(4);
            assertThat(store.range(range("a", "z").build()).getKvsList())
                    .containsExactly(kv("a", "1", 3, 3, 1), kv("b", "2", 3, 3, 1));
        }
    }

    @Nested
    class Range {
        private void fillKeys() {
            write("a", "z");    // 2
            write("b", "y");    // 3
            write("b1", "x");   // 4
            write("c", "x");    // 5
            write("b", "w");    // 6
            write("\u00ff", "v"); // 7
        }

        @Test
        void keyRangePrefixAndFromKey() {
            fillKeys();
            assertThat(keys(store.range(get("b").build()))).containsExactly("b");
            assertThat(keys(store.range(get("nope").build()))).isEmpty();
            assertThat(keys(store.range(range("b", "c").build()))).containsExactly("b", "b1");
            assertThat(keys(store.range(get("b").setRangeEnd(ALL).build()))).containsExactly("b", "b1", "c", "\u00ff");
            assertThat(keys(store.range(range("c", "b").build()))).as("end before key").isEmpty();
            assertThat(keys(store.range(get("\0").setRangeEnd(ALL).build()))).hasSize(5);
        }

        @Test
        void limitMoreAndCount() {
            fillKeys();
            RangeResponse r = store.range(get("a").setRangeEnd(ALL).setLimit(2).build());
            assertThat(keys(r)).containsExactly("a", "b");
            assertThat(r.getMore()).isTrue();
            assertThat(r.getCount()).isEqualTo(5);
            RangeResponse exact = store.range(get("a").setRangeEnd(ALL).setLimit(5).build());
            assertThat(exact.getKvsCount()).isEqualTo(5);
            assertThat(exact.getMore()).isFalse();
            RangeResponse negative = store.range(get("a").setRangeEnd(ALL).setLimit(-1).build());
            assertThat(negative.getKvsCount()).as("negative limit is no limit").isEqualTo(5);
            assertThat(negative.getMore()).isFalse();
        }

        @Test
        void countOnlyAndKeysOnly() {
            fillKeys();
            RangeResponse count = store.range(get("a").setRangeEnd(ALL).setCountOnly(true).setLimit(1).build());
            assertThat(count.getKvsList()).isEmpty();
            assertThat(count.getCount()).isEqualTo(5);
            assertThat(count.getMore()).isFalse();
            RangeResponse keysOnly = store.range(range("b", "c").setKeysOnly(true).build());
            assertThat(keysOnly.getKvsList()).containsExactly(
                    kv("b", "", 3, 6, 2), kv("b1", "", 4, 4, 1));
        }

        @Test
        void sortsByEveryTargetBothWays() {
            fillKeys();
            RangeRequest.Builder all = get("a").setRangeEnd(ALL);
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.KEY).setSortOrder(SortOrder.DESCEND).build())))
                    .containsExactly("\u00ff", "c", "b1", "b", "a");
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.VERSION).setSortOrder(SortOrder.DESCEND).build())))
                    .as("ties stay in key order").containsExactly("b", "a", "b1", "c", "\u00ff");
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.CREATE).setSortOrder(SortOrder.DESCEND).build())))
                    .containsExactly("\u00ff", "c", "b1", "b", "a");
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.MOD).setSortOrder(SortOrder.ASCEND).build())))
                    .containsExactly("a", "b1", "c", "b", "\u00ff");
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.VALUE).setSortOrder(SortOrder.ASCEND).build())))
                    .containsExactly("\u00ff", "b", "b1", "c", "a");
            assertThat(keys(store.range(all.clone().setSortTarget(SortTarget.MOD).build())))
                    .as("order NONE with a target other than KEY sorts ascending").containsExactly("a", "b1", "c", "b", "\u00ff");
        }

        @Test
        void orderNoneWithAnotherTargetSortsOnlyTheFirstLimitPlusOneKeys() {
            // etcd: the limit is lifted for sorting only when sort_order is set
            write("q1", "z");
            write("q2", "y");
            write("q3", "x");
            write("q4", "a");
            RangeRequest.Builder q = range("q", "r").setSortTarget(SortTarget.VALUE).setLimit(2).setKeysOnly(true);
            RangeResponse none = store.range(q.build());
            assertThat(keys(none)).containsExactly("q3", "q2");
            assertThat(none.getMore()).isTrue();
            assertThat(keys(store.range(q.setSortOrder(SortOrder.ASCEND).build()))).as("values are sorted before keys_only drops them")
                    .containsExactly("q4", "q3");
        }

        @Test
        void limitAppliesAfterSorting() {
            fillKeys();
            RangeResponse r = store.range(get("a").setRangeEnd(ALL).setSortTarget(SortTarget.MOD)
                    .setSortOrder(SortOrder.DESCEND).setLimit(2).build());
            assertThat(keys(r)).containsExactly("\u00ff", "b");
            assertThat(r.getMore()).isTrue();
            assertThat(r.getCount()).isEqualTo(5);
        }

        @Test
        void revisionFiltersApplyBeforeLimitButNotToCount() {
            fillKeys();
            RangeRequest.Builder all = get("a").setRangeEnd(ALL);
            assertThat(keys(store.range(all.clone().setMinModRevision(5).build()))).containsExactly("b", "c", "\u00ff");
            assertThat(keys(store.range(all.clone().setMaxModRevision(4).build()))).containsExactly("a", "b1");
            assertThat(keys(store.range(all.clone().setMinCreateRevision(4).build()))).containsExactly("b1", "c", "\u00ff");
            assertThat(keys(store.range(all.clone().setMaxCreateRevision(3).build()))).containsExactly("a", "b");
            RangeResponse limited = store.range(all.clone().setMinModRevision(5).setMaxCreateRevision(5).setLimit(1).build());
            assertThat(keys(limited)).containsExactly("b");
            assertThat(limited.getMore()).isTrue();
            assertThat(limited.getCount()).as("count is before filtering").isEqualTo(5);
            RangeResponse exact = store.range(all.clone().setMinModRevision(6).setLimit(2).build());
            assertThat(keys(exact)).containsExactly("b", "\u00ff");
            assertThat(exact.getMore()).isFalse();
        }

        @Test
        void readsHistoryWithTheCurrentRevisionInTheHeader() {
            fillKeys();
            RangeResponse r = store.range(get("a").setRangeEnd(ALL).setRevision(3).build());
            assertThat(r.getKvsList()).containsExactly(kv("a", "z", 2, 2, 1), kv("b", "y", 3, 3, 1));
            assertThat(r.getHeader()).isEqualTo(rev(7));
            assertThat(store.range(get("b").setRevision(-5).build()).getKvsList())
                    .as("a negative revision is the current one").containsExactly(kv("b", "w", 3, 6, 2));
            assertError(EtcdError.FUTURE_REV, () -> store.range(get("a").setRevision(8).build()));
        }

        @Test
        void compactedRevisionIsReadableButNotBelow() {
            fillKeys();
            store.compact(CompactionRequest.newBuilder().setRevision(4).build());
            assertThat(keys(store.range(get("a").setRangeEnd(ALL).setRevision(4).build()))).containsExactly("a", "b", "b1");
            assertThat(store.range(get("b").setRevision(4).build()).getKvsList()).containsExactly(kv("b", "y", 3, 3, 1));
            assertError(EtcdError.COMPACTED, () -> store.range(get("a").setRevision(3).build()));
            assertThat(store.range(get("a").setRevision(0).build()).getKvsCount()).isEqualTo(1);
        }

        @Test
        void emptyKeyIsRejected() {
            assertError(EtcdError.EMPTY_KEY, () -> store.range(RangeRequest.newBuilder().setRangeEnd(ALL).build()));
        }
    }

    @Nested
    class Put {
        @Test
        void prevKvIsTheKeyBeforeThePut() {
            PutResponse first = store.put(put("a", "1").setPrevKv(true).build());
            assertThat(first.hasPrevKv()).isFalse();
            PutResponse second = store.put(put("a", "2").setPrevKv(true).build());
            assertThat(second.getPrevKv()).isEqualTo(kv("a", "1", 2, 2, 1));
            assertThat(second.getHeader()).isEqualTo(rev(3));
        }

        @Test
        void ignoreValueKeepsTheValue() {
            store.put(put("a", "1").build());
            store.put(put("a", "").setIgnoreValue(true).setLease(7).build());
            assertThat(store.range(get("a").build()).getKvsList())
                    .containsExactly(kv("a", "1", 2, 3, 2).toBuilder().setLease(7).build());
            assertError(EtcdError.VALUE_PROVIDED, () -> store.put(put("a", "x").setIgnoreValue(true).build()));
            assertError(EtcdError.KEY_NOT_FOUND, () -> store.put(put("b", "").setIgnoreValue(true).build()));
            assertThat(store.currentRevision()).isEqualTo(3);
        }

        @Test
        void ignoreLeaseKeepsTheLease() {
            store.put(put("a", "1").setLease(7).build());
            store.put(put("a", "2").setIgnoreLease(true).build());
            assertThat(store.range(get("a").build()).getKvsList())
                    .containsExactly(kv("a", "2", 2, 3, 2).toBuilder().setLease(7).build());
            assertError(EtcdError.LEASE_PROVIDED, () -> store.put(put("a", "x").setIgnoreLease(true).setLease(8).build()));
            assertError(EtcdError.KEY_NOT_FOUND, () -> store.put(put("b", "x").setIgnoreLease(true).build()));
        }

        @Test
        void leaseMustExistAndIsCheckedFirst() {
            assertError(EtcdError.LEASE_NOT_FOUND, () -> store.put(put("a", "1").setLease(5).build()));
            assertError(EtcdError.LEASE_NOT_FOUND, () -> new KvStore(new MemoryBackend()).put(put("a", "1").setLease(7).build()));
            // etcd: on its own, the lease is checked before ignore_value looks for the key
            assertError(EtcdError.LEASE_NOT_FOUND, () -> store.put(put("a", "").setIgnoreValue(true).setLease(5).build()));
            assertThat(store.currentRevision()).isEqualTo(1);
        }

        @Test
        void emptyKeyIsRejected() {
            assertError(EtcdError.EMPTY_KEY, () -> store.put(put("", "1").build()));
        }
    }

    @Nested
    class DeleteRange {
        @Test
        void deletesTheRangeWithPrevKvs() {
            write("a", "1");
            write("b", "2");
            write("c", "3");
            DeleteRangeResponse r = store.deleteRange(del("a").setRangeEnd(b("c")).setPrevKv(true).build());
            assertThat(r.getDeleted()).isEqualTo(2);
            assertThat(r.getPrevKvsList()).containsExactly(kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1));
            assertThat(r.getHeader()).isEqualTo(rev(5));
            assertThat(keys(store.range(get("a").setRangeEnd(ALL).build()))).containsExactly("c");
            DeleteRangeResponse rest = store.deleteRange(del("a").setRangeEnd(ALL).build());
            assertThat(rest.getDeleted()).isEqualTo(1);
            assertThat(rest.getPrevKvsList()).isEmpty();
            assertThat(rest.getHeader()).isEqualTo(rev(6));
            assertThat(store.range(get("a").setRangeEnd(ALL).setRevision(4).build()).getCount()).isEqualTo(3);
        }

        @Test
        void emptyKeyIsRejected() {
            assertError(EtcdError.EMPTY_KEY, () -> store.deleteRange(del("").setRangeEnd(ALL).build()));
        }
    }

    @Nested
    class Txn {
        private TxnResponse txnOf(List<io.ketcd.proto.etcdserverpb.Compare> compares, List<io.ketcd.proto.etcdserverpb.RequestOp> success,
                List<io.ketcd.proto.etcdserverpb.RequestOp> failure) {
            return store.txn(txn(compares, success, failure).build());
        }

        private boolean holds(io.ketcd.proto.etcdserverpb.Compare.Builder c) {
            return txnOf(List.of(c.build()), List.of(), List.of()).getSucceeded();
        }

        @Test
        void everyTargetAndResult() {
            store.put(put("a", "m").setLease(7).build()); // 2
            write("a", "m");                                 // 3: version 2, create 2, mod 3, no lease
            assertThat(holds(cmp("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(2))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.VERSION, CompareResult.GREATER).setVersion(1))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.VERSION, CompareResult.LESS).setVersion(2))).isFalse();
            assertThat(holds(cmp("a", CompareTarget.VERSION, CompareResult.NOT_EQUAL).setVersion(2))).isFalse();
            assertThat(holds(cmp("a", CompareTarget.CREATE, CompareResult.EQUAL).setCreateRevision(2))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.CREATE, CompareResult.LESS).setCreateRevision(3))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.MOD, CompareResult.EQUAL).setModRevision(3))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.MOD, CompareResult.GREATER).setModRevision(3))).isFalse();
            assertThat(holds(cmp("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("m")))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.VALUE, CompareResult.GREATER).setValue(b("l")))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.VALUE, CompareResult.LESS).setValue(b("\u00ff")))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.VALUE, CompareResult.NOT_EQUAL).setValue(b("m")))).isFalse();
            assertThat(holds(cmp("a", CompareTarget.LEASE, CompareResult.EQUAL).setLease(0))).isTrue();
            assertThat(holds(cmp("a", CompareTarget.LEASE, CompareResult.NOT_EQUAL).setLease(7))).isTrue();
            // a target whose union field is not set compares with 0 / empty
            assertThat(holds(cmp("a", CompareTarget.MOD, CompareResult.GREATER).setVersion(5))).isTrue();
        }

        @Test
        void missingKeysCompareAsZeroButNeverByValue() {
            assertThat(holds(cmp("x", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0))).isTrue();
            assertThat(holds(cmp("x", CompareTarget.CREATE, CompareResult.EQUAL).setCreateRevision(0))).isTrue();
            assertThat(holds(cmp("x", CompareTarget.MOD, CompareResult.LESS).setModRevision(1))).isTrue();
            assertThat(holds(cmp("x", CompareTarget.LEASE, CompareResult.EQUAL).setLease(0))).isTrue();
            assertThat(holds(cmp("x", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("")))).isFalse();
            assertThat(holds(cmp("x", CompareTarget.VALUE, CompareResult.NOT_EQUAL).setValue(b("")))).isFalse();
        }

        @Test
        void aRangeCompareNeedsEveryKey() {
            write("k1", "1");
            write("k2", "1");
            write("k2", "2");
            assertThat(holds(cmp("k", CompareTarget.VERSION, CompareResult.GREATER).setVersion(0).setRangeEnd(b("l")))).isTrue();
            assertThat(holds(cmp("k", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(1).setRangeEnd(b("l")))).isFalse();
            assertThat(holds(cmp("k", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("1")).setRangeEnd(b("k2")))).isTrue();
            assertThat(holds(cmp("k", CompareTarget.CREATE, CompareResult.GREATER).setCreateRevision(1).setRangeEnd(ALL))).isTrue();
            assertThat(holds(cmp("x", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0).setRangeEnd(b("z"))))
                    .as("an empty range compares as one missing key").isTrue();
        }

        @Test
        void branchesAndResponses() {
            write("a", "1");
            var c = List.of(cmp("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("1")).build());
            TxnResponse ok = txnOf(c, List.of(op(put("b", "2").setPrevKv(true)), op(get("b")), op(del("a").setPrevKv(true))),
                    List.of(op(put("never", "x"))));
            assertThat(ok.getSucceeded()).isTrue();
            assertThat(ok.getHeader()).isEqualTo(rev(3));
            assertThat(ok.getResponses(0).getResponsePut().getHeader()).isEqualTo(rev(3));
            assertThat(ok.getResponses(1).getResponseRange().getKvsList()).containsExactly(kv("b", "2", 3, 3, 1));
            assertThat(ok.getResponses(1).getResponseRange().getHeader()).isEqualTo(rev(3));
            assertThat(ok.getResponses(2).getResponseDeleteRange().getPrevKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
            assertThat(ok.getResponses(2).getResponseDeleteRange().getDeleted()).isEqualTo(1);
            TxnResponse failed = txnOf(c, List.of(op(put("never", "x"))), List.of(op(get("a"))));
            assertThat(failed.getSucceeded()).isFalse();
            assertThat(failed.getResponses(0).getResponseRange().getKvsList()).isEmpty();
            assertThat(failed.getHeader()).isEqualTo(rev(3));
            assertThat(store.range(get("never").build()).getCount()).isZero();
        }

        @Test
        void headersOfOpsBeforeAndAfterTheFirstChange() {
            write("a", "1");
            TxnResponse t = txnOf(List.of(), List.of(op(get("a")), op(del("nothing")), op(put("n", "1")),
                    op(get("n").setCountOnly(true))), List.of());
            assertThat(t.getResponses(0).getResponseRange().getHeader()).isEqualTo(rev(2));
            assertThat(t.getResponses(1).getResponseDeleteRange().getHeader()).isEqualTo(rev(2));
            assertThat(t.getResponses(2).getResponsePut().getHeader()).isEqualTo(rev(3));
            assertThat(t.getResponses(3).getResponseRange().getHeader()).isEqualTo(rev(3));
            assertThat(t.getResponses(3).getResponseRange().getCount()).isEqualTo(1);
            assertThat(t.getHeader()).isEqualTo(rev(3));
        }

        @Test
        void nestedTxnsDecideOnTheStoreBeforeTheTxn() {
            TxnRequest.Builder inner = txn(List.of(cmp("x", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("1")).build()),
                    List.of(op(put("y", "then"))), List.of(op(put("y", "else"))));
            TxnResponse t = txnOf(List.of(), List.of(op(put("x", "1")), op(inner)), List.of());
            TxnResponse nested = t.getResponses(1).getResponseTxn();
            assertThat(nested.getSucceeded()).isFalse();
            assertThat(nested.hasHeader()).as("present but empty, as etcd").isTrue();
            assertThat(nested.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance());
            assertThat(nested.getResponses(0).getResponsePut().getHeader()).isEqualTo(rev(2));
            assertThat(store.range(get("y").build()).getKvs(0).getValue()).isEqualTo(b("else"));
        }

        @Test
        void putChecksComeBeforeRangeChecks() {
            write("a", "1");
            var lease = op(put("b", "1").setLease(5));
            var future = op(get("a").setRevision(10));
            assertError(EtcdError.LEASE_NOT_FOUND, () -> txnOf(List.of(), List.of(future, lease), List.of()));
            // in a txn the key is looked up before the lease (on its own it is the other way round)
            assertError(EtcdError.KEY_NOT_FOUND, () -> txnOf(List.of(), List.of(op(put("b", "").setIgnoreValue(true).setLease(5))), List.of()));
            assertError(EtcdError.FUTURE_REV, () -> txnOf(List.of(), List.of(future), List.of()));
            assertThat(store.currentRevision()).isEqualTo(2);
        }

        @Test
        void rangeRevisionsInATxn() {
            write("a", "1");
            write("a", "2");
            assertThat(txnOf(List.of(), List.of(op(get("a").setRevision(2))), List.of()).getResponses(0)
                    .getResponseRange().getKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
            assertThat(txnOf(List.of(), List.of(op(get("a").setRevision(-1))), List.of()).getResponses(0)
                    .getResponseRange().getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
            // etcd compares a txn range's revision with the compaction revision (-1 when never compacted)
            assertError(EtcdError.COMPACTED, () -> txnOf(List.of(), List.of(op(get("a").setRevision(-2))), List.of()));
            store.compact(CompactionRequest.newBuilder().setRevision(3).build());
            assertError(EtcdError.COMPACTED, () -> txnOf(List.of(), List.of(op(get("a").setRevision(2))), List.of()));
            assertError(EtcdError.COMPACTED, () -> txnOf(List.of(), List.of(op(get("a").setRevision(-1))), List.of()));
        }

        @Test
        void aDeleteFromKeyMayDeleteAPutOfTheSameTxn() {
            // etcd 3.4's duplicate check does not see range_end "\0"; the delete sees the put
            TxnResponse t = txnOf(List.of(), List.of(op(put("b", "1")), op(del("a").setRangeEnd(ALL).setPrevKv(true))), List.of());
            assertThat(t.getResponses(1).getResponseDeleteRange().getPrevKvsList()).containsExactly(kv("b", "1", 2, 2, 1));
            assertThat(store.range(get("b").build()).getCount()).isZero();
            assertThat(store.currentRevision()).isEqualTo(2);
        }

        @Test
        void anIgnoreValuePutOfAKeyDeletedEarlierInTheTxnIsRejectedUpFront() {
            // etcd 3.4.23 passes its checks here, then panics half-way through the txn
            write("abc", "1");
            assertError(EtcdError.KEY_NOT_FOUND, () -> txnOf(List.of(),
                    List.of(op(del("abc").setRangeEnd(ALL)), op(put("abc", "").setIgnoreValue(true))), List.of()));
            assertThat(store.currentRevision()).isEqualTo(2);
            assertThat(store.range(get("abc").build()).getCount()).isEqualTo(1);
            // a delete that does not cover the key is fine, even one that deletes the txn's own put
            TxnResponse t = txnOf(List.of(), List.of(op(put("abd", "1")), op(del("abd").setRangeEnd(ALL)),
                    op(put("abc", "").setIgnoreLease(true))), List.of());
            assertThat(t.getResponses(1).getResponseDeleteRange().getDeleted()).isEqualTo(1);
            assertThat(store.range(get("abc").build()).getKvs(0)).isEqualTo(kv("abc", "", 2, 3, 2));
            assertThat(store.range(get("abd").build()).getCount()).isZero();
        }

        @Test
        void invalidTxnsAreRejected() {
            assertError(EtcdError.DUPLICATE_KEY, () -> txnOf(List.of(), List.of(op(put("a", "1")), op(put("a", "2"))), List.of()));
            assertError(EtcdError.KEY_NOT_FOUND, () -> txnOf(List.of(), List.of(io.ketcd.proto.etcdserverpb.RequestOp.getDefaultInstance()), List.of()));
            assertError(EtcdError.EMPTY_KEY, () -> txnOf(List.of(cmp("", CompareTarget.VERSION, CompareResult.EQUAL).build()), List.of(), List.of()));
        }
    }

    @Nested
    class Compaction {
        private void history() {
            write("a", "1");  // 2
            write("b", "1");  // 3
            write("a", "2");  // 4
            store.deleteRange(del("b").build()); // 5
            write("c", "1");  // 6
            store.deleteRange(del("c").build()); // 7
        }

        @Test
        void rejectsFutureAndAlreadyCompactedRevisions() {
            history();
            assertError(EtcdError.FUTURE_REV, () -> store.compact(CompactionRequest.newBuilder().setRevision(8).build()));
            assertThat(store.compact(CompactionRequest.newBuilder().setRevision(0).build()).getHeader()).isEqualTo(rev(7));
            assertThat(store.compactRevision()).isZero();
            assertError(EtcdError.COMPACTED, () -> store.compact(CompactionRequest.newBuilder().setRevision(0).build()));
            store.compact(CompactionRequest.newBuilder().setRevision(4).build());
            assertError(EtcdError.COMPACTED, () -> store.compact(CompactionRequest.newBuilder().setRevision(4).build()));
            assertError(EtcdError.COMPACTED, () -> store.compact(CompactionRequest.newBuilder().setRevision(-3).build()));
            assertThat(store.compactRevision()).isEqualTo(4);
        }

        @Test
        void dropsOnlyRevisionsNobodyCanRead() {
            history();
            assertThat(backend.size("key")).isEqualTo(6);
            store.compact(CompactionRequest.newBuilder().setRevision(5).build());
            // a@2 is superseded by a@4, b's generation ended at 5: only a@4, c@6 and c's tombstone remain
            assertThat(revisions()).containsExactly("4.0", "6.0", "7.0t");
            store.compact(CompactionRequest.newBuilder().setRevision(7).build());
            assertThat(revisions()).containsExactly("4.0");
            assertThat(store.range(get("a").setRangeEnd(ALL).setRevision(7).build()).getKvsList())
                    .containsExactly(kv("a", "2", 2, 4, 2));
            assertThat(backend.bucket("meta").get("finishedCompactRev".getBytes())).isEqualTo(new Revision(7, 0).toBytes());
            assertThat(backend.bucket("meta").get("scheduledCompactRev".getBytes())).isEqualTo(new Revision(7, 0).toBytes());
        }

        @Test
        void compactsInBatches() {
            MemoryBackend small = new MemoryBackend();
            KvStore s = new KvStore(small, lease -> false, 2);
            for (int i = 0; i < 9; i++) {
                s.put(put("k" + (i % 3), "v" + i).build());
            }
            long before = small.writes();
            s.compact(CompactionRequest.newBuilder().setRevision(10).build());
            assertThat(small.size("key")).isEqualTo(3);
            assertThat(small.writes() - before).as("one section to accept, then batches of 2 over 9 revisions").isEqualTo(1 + 5);
        }

        @Test
        void physicalCommits() {
            history();
            store.compact(CompactionRequest.newBuilder().setRevision(3).build());
            assertThat(backend.commits()).isZero();
            store.compact(CompactionRequest.newBuilder().setRevision(4).setPhysical(true).build());
            assertThat(backend.commits()).isEqualTo(1);
        }

        private List<String> revisions() {
            List<String> out = new ArrayList<>();
            backend.bucket("key").scan(new byte[0], null, (k, v) -> {
                out.add(Revision.fromBytes(k) + (Revision.isTombstone(k) ? "t" : ""));
                return true;
            });
            return out;
        }
    }

    @Nested
    class ConsistentIndex {
        @Test
        void recordedInTheSameWriteSectionAsTheChange() {
            long before = backend.writes();
            store.put(put("a", "1").build(), 11);
            assertThat(backend.writes() - before).isEqualTo(1);
            assertThat(backend.consistentIndex()).isEqualTo(11);
            store.deleteRange(del("a").build(), 12);
            assertThat(backend.consistentIndex()).isEqualTo(12);
            store.txn(txn(List.of(), List.of(op(get("a"))), List.of()).build(), 13);
            assertThat(backend.consistentIndex()).isEqualTo(13);
            store.compact(CompactionRequest.newBuilder().setRevision(2).build(), 14);
            assertThat(backend.consistentIndex()).isEqualTo(14);
            store.put(put("b", "1").build());
            assertThat(backend.consistentIndex()).as("forms without an index leave it alone").isEqualTo(14);
        }

        @Test
        void recordedForRejectedRequestsToo() {
            assertError(EtcdError.KEY_NOT_FOUND, () -> store.put(put("a", "").setIgnoreValue(true).build(), 21));
            assertThat(backend.consistentIndex()).isEqualTo(21);
            assertError(EtcdError.FUTURE_REV, () -> store.compact(CompactionRequest.newBuilder().setRevision(9).build(), 22));
            assertThat(backend.consistentIndex()).isEqualTo(22);
            assertThat(store.currentRevision()).isEqualTo(1);
        }
    }
}
