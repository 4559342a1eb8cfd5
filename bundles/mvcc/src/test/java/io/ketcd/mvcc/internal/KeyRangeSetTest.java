package io.ketcd.mvcc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyRangeSetTest {

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void emptyAndBackwardRangesHoldNothing() {
        KeyRangeSet s = new KeyRangeSet();
        s.add(b("b"), b("b"));
        s.add(b("c"), b("a"));
        s.add(b("a"), ByteString.copyFrom(new byte[] {0}));
        assertThat(s.contains(b("a"))).isFalse();
        assertThat(s.contains(b("b"))).isFalse();
    }

    @Test
    void pointRangeHoldsOnlyItsKey() {
        KeyRangeSet s = new KeyRangeSet();
        s.add(b("k"), Bytes.successor(b("k")));
        assertThat(s.contains(b("k"))).isTrue();
        assertThat(s.contains(b("k\0"))).isFalse();
        assertThat(s.contains(b("j"))).isFalse();
    }

    /** Membership equals "inside some added range" for random overlapping, touching, nested ranges. */
    @Test
    void matchesNaiveMembership() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            KeyRangeSet s = new KeyRangeSet();
            List<ByteString[]> added = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ByteString lo = key(random);
                ByteString hi = random.nextInt(4) == 0 ? Bytes.successor(lo) : key(random);
                s.add(lo, hi);
                added.add(new ByteString[] {lo, hi});
                KeyRangeSet copy = new KeyRangeSet();
                copy.addAll(s);
                for (int k = 0; k < 40; k++) {
                    ByteString probe = k % 2 == 0 ? key(random) : Bytes.successor(key(random));
                    boolean naive = added.stream().anyMatch(r -> Bytes.ORDER.compare(r[0], probe) <= 0
                            && Bytes.ORDER.compare(probe, r[1]) < 0);
                    assertThat(s.contains(probe)).as("seed %d probe %s", seed, probe).isEqualTo(naive);
                    assertThat(copy.contains(probe)).isEqualTo(naive);
                }
            }
        }
    }

    private static ByteString key(Random random) {
        byte[] k = new byte[1 + random.nextInt(2)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) "abcd\u00ff".charAt(random.nextInt(5));
        }
        return ByteString.copyFrom(k);
    }
}
