package io.ketcd.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;

/** clientv3's getPrefix, byte by byte. */
class KeyRangesTest {
    private static ByteString bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return ByteString.copyFrom(out);
    }

    @Test
    void lastByteIsIncremented() {
        assertThat(KeyRanges.prefixEnd(ByteString.copyFromUtf8("foo"))).isEqualTo(ByteString.copyFromUtf8("fop"));
        assertThat(KeyRanges.prefixEnd(bytes('a', 0x7f))).isEqualTo(bytes('a', 0x80));
        assertThat(KeyRanges.prefixEnd(bytes('a', 0xfe))).isEqualTo(bytes('a', 0xff));
    }

    @Test
    void trailing0xffBytesAreDropped() {
        assertThat(KeyRanges.prefixEnd(bytes('k', 0xff))).isEqualTo(bytes('l'));
        assertThat(KeyRanges.prefixEnd(bytes('a', 0xff, 'b', 0xff, 0xff))).isEqualTo(bytes('a', 0xff, 'c'));
    }

    @Test
    void onlyFfBytesHaveNoEndAndReadToTheEnd() {
        assertThat(KeyRanges.prefixEnd(bytes(0xff))).isEqualTo(bytes(0));
        assertThat(KeyRanges.prefixEnd(bytes(0xff, 0xff))).isEqualTo(bytes(0));
    }
}
