package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvCallsTest {
    @Test
    void varintMatchesGoBinaryPutVarint() {
        // values from Go: binary.PutVarint(buf, x)
        assertThat(encode(0)).containsExactly(0x00);
        assertThat(encode(1)).containsExactly(0x02);
        assertThat(encode(-1)).containsExactly(0x01);
        assertThat(encode(63)).containsExactly(0x7e);
        assertThat(encode(64)).containsExactly(0x80, 0x01);
        assertThat(encode(300)).containsExactly(0xd8, 0x04);
        assertThat(KvCalls.varintLength(Long.MAX_VALUE)).isEqualTo(10);
    }

    @Test
    void keysStayInTheKeySpaceAndDependOnlyOnSeedAndTicket() {
        Options o = Options.parse("put", "--key-space-size", "1000", "--seed", "7");
        Set<Long> seen = new HashSet<>();
        for (int t = 0; t < 10_000; t++) {
            long k = KvCalls.keyNumber(o, t);
            assertThat(k).isBetween(0L, 999L);
            assertThat(KvCalls.keyNumber(o, t)).isEqualTo(k);
            seen.add(k);
        }
        assertThat(seen).hasSizeGreaterThan(990);

        Options seq = Options.parse("put", "--key-space-size", "3", "--sequential-keys");
        assertThat(new long[] {KvCalls.keyNumber(seq, 0), KvCalls.keyNumber(seq, 1), KvCalls.keyNumber(seq, 2),
                KvCalls.keyNumber(seq, 3)}).containsExactly(0, 1, 2, 0);
    }

    private static int[] encode(long x) {
        byte[] buf = new byte[10];
        int n = KvCalls.putVarint(buf, x);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = buf[i] & 0xff;
        }
        return out;
    }
}
