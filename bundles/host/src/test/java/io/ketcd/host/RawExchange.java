package io.ketcd.host;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * One raw exchange over TCP or a Unix domain socket: sends bytes as they are, then reads what
 * comes back until the server closes or {@code bound} passes (a blocking read with that timeout,
 * no sleeps), and tells how long the answer took.
 *
 * @param answer every byte read
 * @param closed whether the server closed (end of stream, or a reset after its answer)
 * @param elapsed from the last byte sent to the end of stream, or to the bound
 */
public record RawExchange(byte[] answer, boolean closed, Duration elapsed) {
    public String text() {
        return new String(answer, StandardCharsets.ISO_8859_1);
    }

    /** The answer's status line, or "" when nothing came. */
    public String statusLine() {
        String t = text();
        int end = t.indexOf("\r\n");
        return end < 0 ? t : t.substring(0, end);
    }

    public static RawExchange of(SocketAddress address, byte[] request, Duration bound) throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            return unix(address, request, bound);
        }
        try (Socket s = new Socket()) {
            s.connect(address, (int) bound.toMillis());
            s.setSoTimeout((int) bound.toMillis());
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException refusedMidway) {
                // the server answered and closed before taking it all: read its answer
            }
            long t0 = System.nanoTime();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            boolean closed = false;
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (java.net.SocketTimeoutException stillOpen) {
                closed = false;
            } catch (java.net.SocketException reset) {
                closed = true;
            }
            return new RawExchange(got.toByteArray(), closed, Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    /** TCP to a port of 127.0.0.1. */
    public static RawExchange of(int port, byte[] request, Duration bound) throws IOException {
        return of(new InetSocketAddress("127.0.0.1", port), request, bound);
    }

    private static RawExchange unix(SocketAddress address, byte[] request, Duration bound) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(address);
            try {
                channel.write(ByteBuffer.wrap(request));
            } catch (IOException refusedMidway) {
                // as for TCP
            }
            long t0 = System.nanoTime();
            // a Unix channel has no read timeout: read on this thread, and close the channel from a timer past the bound
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
            timer.schedule(() -> {
                timedOut.set(true);
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is all it is for
                }
            }, bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            boolean closed = false;
            try {
                ByteBuffer buf = ByteBuffer.allocate(8192);
                while (channel.read(buf.clear()) >= 0) {
                    got.write(buf.array(), 0, buf.position());
                }
                closed = true;
            } catch (IOException e) {
                closed = !timedOut.get();
            } finally {
                timer.shutdownNow();
            }
            return new RawExchange(got.toByteArray(), closed && !timedOut.get(), Duration.ofNanos(System.nanoTime() - t0));
        }
    }
}
