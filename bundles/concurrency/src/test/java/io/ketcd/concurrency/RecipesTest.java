package io.ketcd.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.proto.etcdserverpb.RangeRequest;

import org.junit.jupiter.api.Test;

/** The keys and reads of clientv3's recipes, as etcd 3.4.23 makes them. */
class RecipesTest {

    @Test
    void aKeyIsThePrefixAndTheLeaseInGosHex() {
        ByteString prefix = Recipes.prefix(ByteString.copyFromUtf8("mylock"));
        assertThat(Recipes.key(prefix, 0x30c8a24eb3f7d906L).toStringUtf8()).isEqualTo("mylock/30c8a24eb3f7d906");
        assertThat(Recipes.key(prefix, 0xabcL).toStringUtf8()).isEqualTo("mylock/abc");
        // Go's %x of a negative int64 is a minus and the magnitude, not two's complement
        assertThat(Recipes.key(prefix, -255).toStringUtf8()).isEqualTo("mylock/-ff");
        assertThat(Recipes.key(prefix, Long.MIN_VALUE).toStringUtf8()).isEqualTo("mylock/-8000000000000000");
        assertThat(Recipes.key(Recipes.prefix(ByteString.EMPTY), 1).toStringUtf8()).isEqualTo("/1");
    }

    @Test
    void theFirstAndLastCreatedKeysAreReadUnderThePrefixOneAtATime() {
        ByteString prefix = ByteString.copyFromUtf8("e/");
        RangeRequest first = Recipes.firstCreated(prefix);
        assertThat(first.getKey()).isEqualTo(prefix);
        assertThat(first.getRangeEnd()).isEqualTo(ByteString.copyFromUtf8("e0"));
        assertThat(first.getLimit()).isEqualTo(1);
        assertThat(first.getSortTarget()).isEqualTo(RangeRequest.SortTarget.CREATE);
        assertThat(first.getSortOrder()).isEqualTo(RangeRequest.SortOrder.ASCEND);
        assertThat(first.getMaxCreateRevision()).isZero();

        RangeRequest last = Recipes.lastCreated(prefix, 41);
        assertThat(last.getSortOrder()).isEqualTo(RangeRequest.SortOrder.DESCEND);
        assertThat(last.getMaxCreateRevision()).isEqualTo(41);
        assertThat(last.getLimit()).isEqualTo(1);
    }
}
