package io.ketcd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;

import org.junit.jupiter.api.Test;

/** etcd's quota arithmetic (etcdserver/quota.go): what a request costs and when it finds no room. */
class BackendQuotaTest {

    private static PutRequest put(int keyBytes, int valueBytes) {
        return PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[keyBytes]))
                .setValue(ByteString.copyFrom(new byte[valueBytes])).build();
    }

    @Test
    void aPutCostsItsKeyValueAndEtcdsOverheadATxnItsLargerBranch() {
        assertThat(BackendQuota.cost(put(3, 10))).isEqualTo(256 + 3 + 10);
        TxnRequest txn = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(put(1, 1)))
                .addSuccess(RequestOp.newBuilder().setRequestPut(put(1, 1)))
                .addFailure(RequestOp.newBuilder().setRequestPut(put(1, 100)))
                .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()))
                .build();
        assertThat(BackendQuota.cost(txn)).isEqualTo(Math.max(2 * 258, 357));
        // a txn without puts costs nothing; nested txns are not counted, as in etcd 3.4
        TxnRequest nested = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(put(1, 1))))).build();
        assertThat(BackendQuota.cost(nested)).isZero();
    }

    @Test
    void thereIsNoRoomOnceTheFilePlusTheCostReachesTheQuota() {
        BackendQuota quota = new BackendQuota(1_000, () -> 900);
        assertThat(quota.exceededBy(99)).isFalse();
        assertThat(quota.exceededBy(100)).isTrue();
        assertThat(new BackendQuota(Long.MAX_VALUE, () -> 900).exceededBy(1 << 30)).isFalse();
    }
}
