package io.ketcd.peer.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An input stream that reads only in blocks: the single-byte and empty reads that {@link
 * InputStream} requires follow from {@link #readBlock}.
 */
abstract class BlockInputStream extends InputStream {

    /** Reads at least one byte into {@code b[off, off + len)}, {@code len > 0}; -1 at the end. */
    protected abstract int readBlock(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int r = readBlock(one, 0, 1);
        return r < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : readBlock(b, off, len);
    }
}
