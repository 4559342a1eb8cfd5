package io.ketcd.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;

import org.junit.jupiter.api.Test;

class KvStoreHashTest {

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build();
    }

    private static HashKVResponse hash(KvStore s, long rev) {
        return s.hashKV(HashKVRequest.newBuilder().setRevision(rev).build());
    }

    private static KvStore storeWith(String... kvs) {
        KvStore s = new KvStore(new MemoryBackend());
        for (int i = 0; i < kvs.length; i += 2) {
            s.put(put(kvs[i], kvs[i + 1]));
        }
        return s;
    }

    @Test
    void theSameWritesGiveTheSameHashAndADifferentValueAnother() {
        KvStore a = storeWith("a", "1", "b", "2");
        KvStore b = storeWith("a", "1", "b", "2");
        KvStore c = storeWith("a", "1", "b", "3");
        assertThat(hash(a, 0).getHash()).isEqualTo(hash(b, 0).getHash());
        assertThat(hash(a, 0).getHash()).isNotEqualTo(hash(c, 0).getHash());
        assertThat(hash(a, 0).getHeader().getRevision()).isEqualTo(3);
    }

    @Test
    void aHashAtARevisionIgnoresLaterWrites() {
        KvStore a = storeWith("a", "1", "b", "2");
        int atThree = hash(a, 3).getHash();
        a.put(put("c", "3"));
        a.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
        assertThat(hash(a, 3).getHash()).isEqualTo(atThree);
        assertThat(hash(a, 0).getHash()).isNotEqualTo(atThree);
    }

    @Test
    void membersCompactedAtTheSameRevisionAgreeAndTheCompactionRevisionItselfIsCompacted() {
        KvStore a = storeWith("a", "1", "a", "2", "b", "3");
        KvStore b = storeWith("a", "1", "a", "2", "b", "3");
        a.compact(CompactionRequest.newBuilder().setRevision(3).setPhysical(true).build());
        b.compact(CompactionRequest.newBuilder().setRevision(3).setPhysical(true).build());
        HashKVResponse h = hash(a, 0);
        assertThat(h.getCompactRevision()).isEqualTo(3);
        assertThat(h.getHash()).isEqualTo(hash(b, 0).getHash());
        assertThatThrownBy(() -> hash(a, 2)).isInstanceOfSatisfying(EtcdException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.COMPACTED));
        // etcd 3.4: rev <= compactRev is compacted (3.5 moved the bound to below)
        assertThatThrownBy(() -> hash(a, 3)).isInstanceOfSatisfying(EtcdException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.COMPACTED));
        assertThatThrownBy(() -> hash(a, 99)).isInstanceOfSatisfying(EtcdException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.FUTURE_REV));
    }
}
