package io.ketcd.peer.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * A byte pipe with a fixed buffer between a snapshot's writer (the payload) and the HTTP client
 * that sends it: the writer blocks while the buffer is full, so the payload is never held in
 * memory beyond the buffer. Either side may fail the pipe; the other then gets an IOException.
 * Unlike {@code java.io.PipedInputStream} it does not care which threads read.
 */
final class BoundedPipe {
    private final byte[] buf;
    private final long stallNanos;
    private int head;
    private int count;
    private boolean writerClosed;
    private IOException failure;

    /**
     * @param capacity the buffer size in bytes
     * @param stall how long a writer may wait for space before the pipe fails: the reading side
     *     (the HTTP client) took nothing for that long, e.g. the peer stopped reading
     */
    BoundedPipe(int capacity, java.time.Duration stall) {
        this.buf = new byte[capacity];
        this.stallNanos = stall.toNanos();
    }

    private boolean failedByReader;

    /** Whether the reading side (the HTTP client) gave up. */
    synchronized boolean failedByReader() {
        return failedByReader;
    }

    /** Fails the pipe: pending and later reads and writes throw {@code cause}. */
    synchronized void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
        notifyAll();
    }

    final OutputStream sink = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (BoundedPipe.this) {
                while (len > 0) {
                    long deadline = System.nanoTime() + stallNanos;
                    while (count == buf.length && failure == null) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            failedByReader = true;
                            fail(new IOException("stalled: the peer took no snapshot data for "
                                    + java.time.Duration.ofNanos(stallNanos).toMillis() + " ms"));
                            break;
                        }
                        await(left);
                    }
                    if (failure != null) {
                        throw new IOException("snapshot send aborted: " + failure.getMessage(), failure);
                    }
                    if (writerClosed) {
                        throw new IOException("pipe closed");
                    }
                    int tail = (head + count) % buf.length;
                    int k = Math.min(len, Math.min(buf.length - count, buf.length - tail));
                    System.arraycopy(b, off, buf, tail, k);
                    count += k;
                    off += k;
                    len -= k;
                    BoundedPipe.this.notifyAll();
                }
            }
        }

        @Override
        public void close() {
            synchronized (BoundedPipe.this) {
                writerClosed = true;
                BoundedPipe.this.notifyAll();
            }
        }
    };

    final InputStream source = new BlockInputStream() {
        @Override
        protected int readBlock(byte[] b, int off, int len) throws IOException {
            synchronized (BoundedPipe.this) {
                while (count == 0 && !writerClosed && failure == null) {
                    await(0);
                }
                if (failure != null) {
                    throw failure;
                }
                if (count == 0) {
                    return -1;
                }
                int k = Math.min(len, Math.min(count, buf.length - head));
                System.arraycopy(buf, head, b, off, k);
                head = (head + k) % buf.length;
                count -= k;
                BoundedPipe.this.notifyAll();
                return k;
            }
        }

        @Override
        public void close() {
            synchronized (BoundedPipe.this) {
                if (!writerClosed || count > 0) {
                    failedByReader = true;
                }
            }
            fail(new IOException("the HTTP client stopped reading the snapshot"));
        }
    };

    /** Waits up to {@code nanos} (0: until notified). */
    private void await(long nanos) throws InterruptedIOException {
        try {
            if (nanos > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, nanos);
            } else {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
