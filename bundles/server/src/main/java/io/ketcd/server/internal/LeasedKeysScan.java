package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.mvcc.KvStore;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.server.lease.Lessor;

/**
 * Attaches every live key that carries a lease to that lease, after the lessor recovered the
 * leases of a backend (a restart, an installed snapshot): the keys of a lease are not stored
 * with it but in each key-value, as in etcd, whose mvcc restore attaches them.
 */
final class LeasedKeysScan {
    /** Keys read per page, so a large store is not read into memory at once. */
    static final int PAGE = 10_000;

    private LeasedKeysScan() {
    }

    static void attachAll(KvStore kv, Lessor lessor) {
        ByteString from = ByteString.copyFrom(new byte[] {0});
        ByteString all = ByteString.copyFrom(new byte[] {0});
        while (true) {
            RangeResponse page = kv.range(RangeRequest.newBuilder().setKey(from).setRangeEnd(all)
                    .setKeysOnly(true).setLimit(PAGE).build());
            for (KeyValue v : page.getKvsList()) {
                if (v.getLease() != 0) {
                    lessor.put(v.getKey(), v.getLease());
                }
            }
            if (!page.getMore() || page.getKvsCount() == 0) {
                return;
            }
            // the smallest key after the last one read
            from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
    }
}
