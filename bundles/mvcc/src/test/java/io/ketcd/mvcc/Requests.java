package io.ketcd.mvcc;

import com.google.protobuf.ByteString;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.mvccpb.KeyValue;
import java.util.List;

/** Short builders of etcd requests for tests. */
final class Requests {

    static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

    private Requests() {
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static PutRequest.Builder put(String key, String value) {
        return PutRequest.newBuilder().setKey(b(key)).setValue(b(value));
    }

    static RangeRequest.Builder get(String key) {
        return RangeRequest.newBuilder().setKey(b(key));
    }

    static RangeRequest.Builder range(String key, String end) {
        return RangeRequest.newBuilder().setKey(b(key)).setRangeEnd(b(end));
    }

    static DeleteRangeRequest.Builder del(String key) {
        return DeleteRangeRequest.newBuilder().setKey(b(key));
    }

    static RequestOp op(PutRequest.Builder p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    static RequestOp op(RangeRequest.Builder r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static RequestOp op(DeleteRangeRequest.Builder d) {
        return RequestOp.newBuilder().setRequestDeleteRange(d).build();
    }

    static RequestOp op(TxnRequest.Builder t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    static TxnRequest.Builder txn(List<Compare> compares, List<RequestOp> success, List<RequestOp> failure) {
        return TxnRequest.newBuilder().addAllCompare(compares).addAllSuccess(success).addAllFailure(failure);
    }

    static Compare.Builder cmp(String key, Compare.CompareTarget target, Compare.CompareResult result) {
        return Compare.newBuilder().setKey(b(key)).setTarget(target).setResult(result);
    }

    static KeyValue kv(String key, String value, long create, long mod, long version) {
        return KeyValue.newBuilder().setKey(b(key)).setValue(b(value)).setCreateRevision(create)
                .setModRevision(mod).setVersion(version).build();
    }
}
