package io.ketcd.mvcc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import java.util.Comparator;
import java.util.Random;

import org.junit.jupiter.api.Test;

class BytesTest {
    private static final Comparator<ByteString> REFERENCE = ByteString.unsignedLexicographicalComparator();

    @Test
    void orderAgreesWithProtobufsUnsignedComparator() {
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            ByteString a = random(random);
            // often share a prefix, as real keys do, so the mismatch is deep inside
            ByteString b = random.nextBoolean() ? a.concat(random(random)) : random(random);
            if (random.nextInt(4) == 0) {
                b = b.substring(0, Math.min(b.size(), random.nextInt(b.size() + 1)));
            }
            assertThat(Integer.signum(Bytes.ORDER.compare(a, b)))
                    .as("%s vs %s", a, b)
                    .isEqualTo(Integer.signum(REFERENCE.compare(a, b)));
            assertThat(Integer.signum(Bytes.ORDER.compare(b, a))).isEqualTo(Integer.signum(REFERENCE.compare(b, a)));
        }
    }

    @Test
    void highBytesSortAfterLowOnes() {
        assertThat(Bytes.ORDER.compare(ByteString.copyFrom(new byte[] {(byte) 0xFF}), ByteString.copyFrom(new byte[] {1})))
                .isPositive();
        assertThat(Bytes.ORDER.compare(ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("ab"))).isNegative();
        assertThat(Bytes.ORDER.compare(ByteString.EMPTY, ByteString.EMPTY)).isZero();
    }

    private static ByteString random(Random random) {
        byte[] b = new byte[random.nextInt(12)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (random.nextInt(4) == 0 ? 0xFF - random.nextInt(3) : random.nextInt(3));
        }
        return ByteString.copyFrom(b);
    }
}
