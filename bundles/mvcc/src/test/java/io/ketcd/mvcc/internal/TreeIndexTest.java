package io.ketcd.mvcc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TreeIndexTest {

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static List<String> keys(TreeIndex.Page page) {
        return page.items().stream().map(kr -> kr.key().toStringUtf8() + "@" + kr.rev()).toList();
    }

    /** foo@1, foo1@2, foo2@3 (deleted @5), bar@4, "\xff"@6. */
    private static TreeIndex index() {
        TreeIndex ti = new TreeIndex();
        ti.put(b("foo"), new Revision(1, 0));
        ti.put(b("foo1"), new Revision(2, 0));
        ti.put(b("foo2"), new Revision(3, 0));
        ti.put(b("bar"), new Revision(4, 0));
        ti.tombstone(b("foo2"), new Revision(5, 0));
        ti.put(ByteString.copyFrom(new byte[] {(byte) 0xff}), new Revision(6, 0));
        return ti;
    }

    @Test
    void rangeFollowsEtcdsEndConvention() {
        TreeIndex ti = index();
        assertThat(keys(ti.range(b("foo"), null, 6, 100))).containsExactly("foo@1.0");
        assertThat(keys(ti.range(b("fo"), null, 6, 100))).isEmpty();
        assertThat(keys(ti.range(b("foo"), b("foo2"), 6, 100))).containsExactly("foo@1.0", "foo1@2.0");
        assertThat(keys(ti.range(b("a"), ByteString.EMPTY, 6, 100)))
                .as("empty end: every key from key on, in unsigned order")
                .containsExactly("bar@4.0", "foo@1.0", "foo1@2.0", "\uFFFD@6.0");
        assertThat(keys(ti.range(b("foo"), b("foo"), 6, 100))).as("end == key").isEmpty();
        assertThat(keys(ti.range(b("z"), b("a"), 6, 100))).as("end < key").isEmpty();
    }

    @Test
    void rangeSeesTheKeysAliveAtTheRevision() {
        TreeIndex ti = index();
        assertThat(keys(ti.range(b("foo"), b("fop"), 3, 100))).containsExactly("foo@1.0", "foo1@2.0", "foo2@3.0");
        assertThat(keys(ti.range(b("foo"), b("fop"), 5, 100))).containsExactly("foo@1.0", "foo1@2.0");
        assertThat(keys(ti.range(b("a"), ByteString.EMPTY, 1, 100))).containsExactly("foo@1.0");
    }

    @Test
    void rangeCountsBeyondMaxItems() {
        TreeIndex.Page page = index().range(b("a"), ByteString.EMPTY, 6, 2);
        assertThat(keys(page)).containsExactly("bar@4.0", "foo@1.0");
        assertThat(page.count()).isEqualTo(4);
        assertThat(index().range(b("a"), ByteString.EMPTY, 6, 0).items()).isEmpty();
    }

    @Test
    void tombstoneOfAnAbsentKeyFails() {
        TreeIndex ti = index();
        assertThat(ti.tombstone(b("nope"), new Revision(7, 0))).isFalse();
        assertThat(ti.tombstone(b("foo2"), new Revision(7, 0))).as("already deleted").isFalse();
        assertThat(ti.tombstone(b("foo"), new Revision(7, 0))).isTrue();
        assertThat(ti.get(b("foo"), 7)).isNull();
        assertThat(ti.get(b("foo"), 6).modified()).isEqualTo(new Revision(1, 0));
    }

    @Test
    void rangeSinceIsInRevisionOrder() {
        TreeIndex ti = index();
        assertThat(ti.rangeSince(b("a"), ByteString.EMPTY, 2).toString()).isEqualTo("[2.0, 3.0, 4.0, 5.0, 6.0]");
        assertThat(ti.rangeSince(b("foo2"), null, 1).toString()).isEqualTo("[3.0, 5.0]");
    }

    @Test
    void compactDropsEmptyKeysAndReturnsWhatToKeep() {
        TreeIndex ti = index();
        Set<Revision> keep = ti.keep(5);
        assertThat(ti.size()).isEqualTo(5);
        assertThat(ti.compact(5)).isEqualTo(keep)
                .containsExactlyInAnyOrder(new Revision(1, 0), new Revision(2, 0), new Revision(4, 0));
        assertThat(ti.size()).as("foo2 is gone").isEqualTo(4);
        assertThat(keys(ti.range(b("a"), ByteString.EMPTY, 6, 100))).hasSize(4);
    }
}
