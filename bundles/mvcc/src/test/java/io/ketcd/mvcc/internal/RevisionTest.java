package io.ketcd.mvcc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RevisionTest {

    @Test
    void encodesAsEtcdDoes() {
        assertThat(HexFormat.of().formatHex(new Revision(2, 1).toBytes()))
                .isEqualTo("0000000000000002" + "5f" + "0000000000000001");
        assertThat(HexFormat.of().formatHex(new Revision(0x0102030405060708L, 0).toTombstoneBytes()))
                .isEqualTo("0102030405060708" + "5f" + "0000000000000000" + "74");
    }

    @Test
    void decodesWithAndWithoutMark() {
        Revision r = new Revision(123456789L, 42);
        assertThat(Revision.fromBytes(r.toBytes())).isEqualTo(r);
        assertThat(Revision.fromBytes(r.toTombstoneBytes())).isEqualTo(r);
        assertThat(Revision.isTombstone(r.toTombstoneBytes())).isTrue();
        assertThat(Revision.isTombstone(r.toBytes())).isFalse();
        assertThatThrownBy(() -> Revision.fromBytes(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void greaterThanComparesMainThenSub() {
        assertThat(new Revision(2, 0).greaterThan(new Revision(1, 9))).isTrue();
        assertThat(new Revision(2, 1).greaterThan(new Revision(2, 0))).isTrue();
        assertThat(new Revision(2, 0).greaterThan(new Revision(2, 0))).isFalse();
        assertThat(new Revision(1, 5).greaterThan(new Revision(2, 0))).isFalse();
    }

    /** The backend scans history in order only if byte order equals revision order. */
    @Test
    void byteOrderIsRevisionOrder() {
        Random random = new Random(7);
        List<Revision> revs = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            long main = random.nextInt(4) == 0 ? random.nextLong() & Long.MAX_VALUE : random.nextInt(300);
            long sub = random.nextInt(3) == 0 ? random.nextLong() & Long.MAX_VALUE : random.nextInt(300);
            revs.add(new Revision(main, sub));
        }
        for (int i = 1; i < revs.size(); i++) {
            Revision a = revs.get(i - 1);
            Revision b = revs.get(i);
            int byRev = Integer.signum(a.compareTo(b));
            assertThat(Integer.signum(Arrays.compareUnsigned(a.toBytes(), b.toBytes()))).as("%s vs %s", a, b)
                    .isEqualTo(byRev);
            // a tombstone sorts right after the put encoding of the same revision, before the next one
            if (byRev < 0) {
                assertThat(Arrays.compareUnsigned(a.toTombstoneBytes(), b.toBytes())).isNegative();
            }
        }
    }

    @Test
    void mainPrefixBoundsAMainRevision() {
        byte[] five = Revision.mainPrefix(5);
        assertThat(Arrays.compareUnsigned(new Revision(4, Long.MAX_VALUE).toTombstoneBytes(), five)).isNegative();
        assertThat(Arrays.compareUnsigned(new Revision(5, 0).toBytes(), five)).isPositive();
    }
}
