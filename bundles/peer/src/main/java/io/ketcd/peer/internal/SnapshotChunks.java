package io.ketcd.peer.internal;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The snapshot payload's chunk framing (see {@code package-info.java}). */
final class SnapshotChunks {
    static final int MAX_CHUNK = 1 << 20;
    private static final int CHUNK = 64 << 10;

    private SnapshotChunks() {
    }

    /** Cuts what is written into chunks; {@link #finish()} writes the terminator. Does not close {@code out}. */
    static final class Writer extends FilterOutputStream {
        private final byte[] buf = new byte[CHUNK];
        private int n;
        private long total;

        Writer(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                emit();
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) {
                    emit();
                }
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        @Override
        public void flush() throws IOException {
            emit();
            out.flush();
        }

        /** Writes the last chunk and the zero-length terminator. */
        void finish() throws IOException {
            emit();
            Frames.writeInt(out, 0);
            out.flush();
        }

        /** Payload bytes written so far. */
        long total() {
            return total + n;
        }

        /** The payload must not close the transport's stream. */
        @Override
        public void close() throws IOException {
            flush();
        }

        private void emit() throws IOException {
            if (n > 0) {
                Frames.writeInt(out, n);
                out.write(buf, 0, n);
                total += n;
                n = 0;
            }
        }
    }

    /**
     * The payload as the receiver reads it: ends (-1) at the terminator, throws {@link
     * EOFException} if the body ends before it. Does not close the request body.
     */
    static final class Reader extends BlockInputStream {
        private final InputStream in;
        private final byte[] head = new byte[4];
        private int remaining;
        private boolean ended;
        private boolean broken;

        Reader(InputStream in) {
            this.in = in;
        }

        /** Whether the terminator was read: the sender wrote the whole payload. */
        boolean complete() {
            return ended;
        }

        /** Whether the stream failed in the transport's framing (truncated or malformed). */
        boolean broken() {
            return broken;
        }

        @Override
        protected int readBlock(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            try {
                if (remaining == 0) {
                    Frames.readExactly(in, head, 0, 4, "snapshot payload truncated (no end marker)");
                    int n = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
                    if (n == 0) {
                        ended = true;
                        return -1;
                    }
                    if (n < 0 || n > MAX_CHUNK) {
                        throw new Frames.BadFrameException("snapshot chunk of " + Integer.toUnsignedString(n) + " bytes exceeds " + MAX_CHUNK);
                    }
                    remaining = n;
                }
                int r = in.read(b, off, Math.min(len, remaining));
                if (r < 0) {
                    throw new EOFException("snapshot payload truncated (mid-chunk)");
                }
                remaining -= r;
                return r;
            } catch (IOException e) {
                broken = true;
                throw e;
            }
        }

        @Override
        public void close() {
            // the handler owns the request body
        }
    }
}
