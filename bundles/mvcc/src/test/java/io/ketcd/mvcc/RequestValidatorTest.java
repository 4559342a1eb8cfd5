package io.ketcd.mvcc;

import static io.ketcd.mvcc.Requests.ALL;
import static io.ketcd.mvcc.Requests.b;
import static io.ketcd.mvcc.Requests.cmp;
import static io.ketcd.mvcc.Requests.del;
import static io.ketcd.mvcc.Requests.get;
import static io.ketcd.mvcc.Requests.op;
import static io.ketcd.mvcc.Requests.put;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.Compare.CompareResult;
import io.ketcd.proto.etcdserverpb.Compare.CompareTarget;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd 3.4's v3rpc/key.go checks; the duplicate-key verdicts were each checked against etcd 3.4.23. */
class RequestValidatorTest {

    private static void rejects(EtcdError error, Runnable check) {
        assertThatThrownBy(check::run).isInstanceOfSatisfying(EtcdException.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.error()).isEqualTo(error));
    }

    private static TxnRequest then(RequestOp... ops) {
        return TxnRequest.newBuilder().addAllSuccess(List.of(ops)).build();
    }

    private static RequestOp nested(List<RequestOp> then, List<RequestOp> otherwise) {
        return RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addAllSuccess(then).addAllFailure(otherwise)).build();
    }

    private static RequestOp delRange(String key, String end) {
        return op(del(key).setRangeEnd(b(end)));
    }

    private static void duplicate(RequestOp... ops) {
        rejects(EtcdError.DUPLICATE_KEY, () -> RequestValidator.checkTxn(then(ops), 128));
    }

    private static void fine(RequestOp... ops) {
        assertThatCode(() -> RequestValidator.checkTxn(then(ops), 128)).doesNotThrowAnyException();
    }

    @Test
    void singleRequests() {
        rejects(EtcdError.EMPTY_KEY, () -> RequestValidator.checkRange(RangeRequest.newBuilder().setRangeEnd(ALL).build()));
        rejects(EtcdError.EMPTY_KEY, () -> RequestValidator.checkDeleteRange(DeleteRangeRequest.newBuilder().setRangeEnd(ALL).build()));
        rejects(EtcdError.EMPTY_KEY, () -> RequestValidator.checkPut(put("", "v").setIgnoreValue(true).build()));
        rejects(EtcdError.VALUE_PROVIDED, () -> RequestValidator.checkPut(put("k", "v").setIgnoreValue(true).setLease(1).setIgnoreLease(true).build()));
        rejects(EtcdError.LEASE_PROVIDED, () -> RequestValidator.checkPut(put("k", "").setIgnoreLease(true).setLease(1).build()));
        assertThatCode(() -> RequestValidator.checkPut(put("k", "").setIgnoreValue(true).setIgnoreLease(true).build()))
                .doesNotThrowAnyException();
    }

    @Test
    void opLimitCountsTheLargestOfComparesAndBranches() {
        RequestOp p = op(get("k"));
        var c = cmp("k", CompareTarget.VERSION, CompareResult.EQUAL).build();
        assertThatCode(() -> RequestValidator.checkTxn(then(p, p, p), 3)).doesNotThrowAnyException();
        rejects(EtcdError.TOO_MANY_OPS, () -> RequestValidator.checkTxn(then(p, p, p, p), 3));
        rejects(EtcdError.TOO_MANY_OPS, () -> RequestValidator.checkTxn(TxnRequest.newBuilder().addAllFailure(Collections.nCopies(4, p)).build(), 3));
        rejects(EtcdError.TOO_MANY_OPS, () -> RequestValidator.checkTxn(TxnRequest.newBuilder().addAllCompare(Collections.nCopies(4, c)).build(), 3));
        // a nested txn gets what its parent leaves: 5 - 3 = 2
        RequestOp three = nested(List.of(p, p, p), List.of());
        rejects(EtcdError.TOO_MANY_OPS, () -> RequestValidator.checkTxn(then(p, p, three), 5));
        assertThatCode(() -> RequestValidator.checkTxn(then(p, p, three), 6)).doesNotThrowAnyException();
    }

    @Test
    void shapeIsCheckedBeforeDuplicates() {
        rejects(EtcdError.EMPTY_KEY, () -> RequestValidator.checkTxn(TxnRequest.newBuilder()
                .addCompare(cmp("", CompareTarget.VALUE, CompareResult.EQUAL)).build(), 128));
        rejects(EtcdError.EMPTY_KEY, () -> RequestValidator.checkTxn(then(op(put("a", "1")), op(put("a", "1")), op(get(""))), 128));
        rejects(EtcdError.KEY_NOT_FOUND, () -> RequestValidator.checkTxn(then(RequestOp.getDefaultInstance()), 128));
        rejects(EtcdError.KEY_NOT_FOUND, () -> RequestValidator.checkTxn(then(nested(List.of(), List.of(RequestOp.getDefaultInstance()))), 128));
        rejects(EtcdError.VALUE_PROVIDED, () -> RequestValidator.checkTxn(then(nested(List.of(op(put("a", "1").setIgnoreValue(true))), List.of())), 128));
    }

    @Test
    void duplicatesWithinALevel() {
        duplicate(op(put("a", "1")), op(put("a", "2")));
        duplicate(op(put("a", "1")), op(del("a")));
        duplicate(op(del("a")), op(put("a", "1")));
        duplicate(op(put("b", "1")), delRange("a", "c"));
        fine(op(put("c", "1")), delRange("a", "c"));
        fine(op(get("a")), op(put("a", "1")));
        fine(op(del("a")), op(del("a")));
    }

    @Test
    void etcdQuirksAreKept() {
        fine(op(put("b", "1")), op(del("a").setRangeEnd(ALL)));   // "\0" covers nothing in the check
        fine(op(put("a", "1")), delRange("b", "a"));              // a backward range covers nothing
        fine(nested(List.of(op(put("k", "1"))), List.of()), nested(List.of(op(del("k"))), List.of()));
    }

    @Test
    void duplicatesAcrossNestedTxns() {
        fine(nested(List.of(op(put("d", "1"))), List.of(op(put("d", "2")))));
        duplicate(nested(List.of(op(put("d", "1"))), List.of()), op(put("d", "2")));
        duplicate(nested(List.of(op(put("d", "1"))), List.of()), nested(List.of(op(put("d", "1"))), List.of()));
        duplicate(nested(List.of(op(put("d", "1"))), List.of()), nested(List.of(), List.of(op(put("d", "1")))));
        duplicate(nested(List.of(delRange("a", "c")), List.of()), op(put("b", "1")));
        duplicate(nested(List.of(op(del("k"))), List.of()), nested(List.of(op(put("k", "1"))), List.of()));
        duplicate(op(del("q")), nested(List.of(nested(List.of(op(put("q", "1"))), List.of())), List.of()));
        duplicate(nested(List.of(nested(List.of(op(put("q", "1"))), List.of())), List.of()), op(del("q")));
    }

    @Test
    void branchesAreCheckedSeparately() {
        assertThatCode(() -> RequestValidator.checkTxn(TxnRequest.newBuilder().addSuccess(op(put("a", "1")))
                .addFailure(op(put("a", "1"))).build(), 128)).doesNotThrowAnyException();
        rejects(EtcdError.DUPLICATE_KEY, () -> RequestValidator.checkTxn(TxnRequest.newBuilder().addSuccess(op(put("a", "1")))
                .addFailure(op(put("b", "1"))).addFailure(op(del("b"))).build(), 128));
    }
}
