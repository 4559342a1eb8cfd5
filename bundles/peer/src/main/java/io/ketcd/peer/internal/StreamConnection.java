package io.ketcd.peer.internal;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code GET /raft/stream/...} on a socket of its own, read by the stream reader's thread
 * itself. The JDK's HTTP client read each stream on its selector thread and handed the buffers to
 * an executor thread and then to the reader through a queue: three threads and two wake-ups per
 * frame, about a quarter of a member's CPU per put in a 3-member cluster (async-profiler, see
 * bench/README.md). Here one blocking read on the reader's thread gets the bytes, and a
 * watchdog notices a silent peer.
 *
 * <p>HTTP/1.1 only as much as a stream needs: the request carries the given headers and {@code
 * Connection: close}; the response's head is read, and its body is decoded by {@code
 * Transfer-Encoding: chunked} or {@code Content-Length}, or runs to the end of the connection.
 * Not thread-safe, except {@link #close()}, which any thread may call to break a blocked read.
 */
final class StreamConnection implements Closeable {
    /** Longest response head line accepted; a peer's head is a few short lines. */
    private static final int MAX_LINE = 8192;
    private static final int MAX_HEADERS = 100;

    private final Socket tcp;
    private final long dialDeadline;
    private final long dialTimeoutMillis;
    private final long readTimeoutNanos;
    private volatile Socket socket;
    private volatile boolean headRead;
    private volatile long lastRead;
    /** Why the watchdog closed the socket; null while it has not. */
    private volatile String expired;
    private volatile ScheduledFuture<?> watchdog;
    private int status;
    private InputStream body;

    private StreamConnection(Socket tcp, Duration dialTimeout, Duration readTimeout) {
        this.tcp = tcp;
        this.socket = tcp;
        this.dialDeadline = System.nanoTime() + dialTimeout.toNanos();
        this.dialTimeoutMillis = dialTimeout.toMillis();
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    /**
     * Dials {@code url} (TLS with {@code tlsDialer}'s context for {@code https}), sends the GET
     * for its path with {@code headers}, and reads the response head, all within {@code
     * dialTimeout}; afterwards a read that sees no byte for {@code readTimeout} fails with a
     * {@link SocketTimeoutException}.
     *
     * <p>The socket stays in blocking mode, so that a read is one system call: a socket timeout
     * would make the JDK read in non-blocking mode, which costs a failed read and a poll before
     * every read that waits. Instead a watchdog on {@code timers} closes a socket that has been
     * silent too long.
     */
    static StreamConnection open(PeerClient tlsDialer, URI url, Map<String, String> headers, Duration dialTimeout, Duration readTimeout,
            ScheduledExecutorService timers) throws IOException {
        boolean tls = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() >= 0 ? url.getPort() : tls ? 443 : 80;
        // URI.getHost() keeps an IPv6 literal's brackets: the Host header wants them, a socket address does not
        String host = url.getHost();
        String address = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        StreamConnection c = new StreamConnection(new Socket(), dialTimeout, readTimeout);
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(dialTimeout.toNanos(), readTimeout.toNanos()) / 5);
        try {
            c.watchdog = timers.scheduleWithFixedDelay(c::expireIfSilent, period, period, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new IOException("not dialing " + url + ": the peer transport is closing");
        }
        try {
            c.tcp.setTcpNoDelay(true);
            c.tcp.connect(new InetSocketAddress(address, port));
            if (tls) {
                c.socket = tlsDialer.wrapTls(c.tcp, address, port);
            }
            OutputStream out = c.socket.getOutputStream();
            out.write(request(url, host, port, headers).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(c.new Stamped(c.socket.getInputStream()), 64 * 1024);
            c.readHead(in);
            return c;
        } catch (IOException e) {
            c.close();
            throw c.expired != null ? new SocketTimeoutException(c.expired) : e;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void readHead(InputStream in) throws IOException {
        status = statusOf(line(in));
        long length = -1;
        boolean chunked = false;
        for (int n = 0;; n++) {
            String header = line(in);
            if (header.isEmpty()) {
                break;
            }
            if (n == MAX_HEADERS) {
                throw new IOException("the peer's response has more than " + MAX_HEADERS + " headers");
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header in the peer's response: " + printable(header));
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            if (name.equals("transfer-encoding")) {
                chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            } else if (name.equals("content-length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length in the peer's response: " + printable(value));
                }
            }
        }
        lastRead = System.nanoTime();
        headRead = true;
        body = chunked ? new ChunkedBody(in) : length >= 0 ? new LimitedBody(in, length) : in;
    }

    /** The watchdog's check: closes the socket once the dial or the stream has been silent too long. */
    private void expireIfSilent() {
        long now = System.nanoTime();
        if (!headRead) {
            if (now - dialDeadline > 0) {
                expired = "no answer to the stream request within the dial timeout of " + dialTimeoutMillis + " ms";
                close();
            }
        } else if (now - lastRead > readTimeoutNanos) {
            expired = "no data for " + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos) + " ms";
            close();
        }
    }

    int status() {
        return status;
    }

    /** The response body, decoded. */
    InputStream body() {
        return body;
    }

    /** Closes the socket: a read blocked in another thread fails at once. Idempotent. */
    @Override
    public void close() {
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
        try {
            tcp.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    /** The socket's input, noting when bytes last arrived; a read the watchdog broke is a timeout. */
    private final class Stamped extends FilterInputStream {
        Stamped(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    lastRead = System.nanoTime();
                }
                return n;
            } catch (IOException e) {
                String why = expired;
                throw why != null ? new SocketTimeoutException(why) : e;
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }
    }

    private static String request(URI url, String host, int port, Map<String, String> headers) {
        StringBuilder sb = new StringBuilder(256).append("GET ").append(url.getRawPath()).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append(':').append(port).append("\r\n");
        headers.forEach((name, value) -> sb.append(name).append(": ").append(value).append("\r\n"));
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    private static int statusOf(String statusLine) throws IOException {
        // HTTP/1.1 200 OK
        if (statusLine.startsWith("HTTP/1.") && statusLine.length() >= 12 && statusLine.charAt(8) == ' ') {
            try {
                return Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IOException("the peer did not answer with HTTP/1.x: " + printable(statusLine));
    }

    /** One CRLF- (or LF-) terminated line, without its terminator. */
    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the peer closed the connection inside the response head");
            }
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            if (sb.length() == MAX_LINE) {
                throw new IOException("a line of the peer's response is longer than " + MAX_LINE + " bytes");
            }
            sb.append((char) c);
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return io.ketcd.api.log.BadInputLog.escape(cut);
    }

    /** A body of {@code Content-Length} bytes. */
    private static final class LimitedBody extends BlockInputStream {
        private final InputStream in;
        private long left;

        LimitedBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        protected int readBlock(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r < 0) {
                throw new EOFException("the peer closed the connection " + left + " bytes before the end of its body");
            }
            left -= r;
            return r;
        }
    }

    /** A {@code Transfer-Encoding: chunked} body (RFC 9112 section 7.1), trailers skipped. */
    static final class ChunkedBody extends BlockInputStream {
        private final InputStream in;
        /** Bytes left in the current chunk; -1 before the first chunk's size line. */
        private long left = -1;
        private boolean ended;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        protected int readBlock(byte[] b, int off, int len) throws IOException {
            while (left <= 0) {
                if (ended) {
                    return -1;
                }
                if (left == 0 && !line(in).isEmpty()) {
                    throw new IOException("a chunk of the peer's body does not end with CRLF");
                }
                left = chunkSize(line(in));
                if (left == 0) {
                    while (!line(in).isEmpty()) {
                        // trailer fields: none expected, none used
                    }
                    ended = true;
                    return -1;
                }
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r < 0) {
                throw new EOFException("the peer closed the connection inside a chunk");
            }
            left -= r;
            return r;
        }

        private static long chunkSize(String line) throws IOException {
            int end = line.indexOf(';');
            String hex = (end < 0 ? line : line.substring(0, end)).trim();
            if (hex.isEmpty() || hex.length() > 15) {
                throw new IOException("bad chunk size in the peer's body: " + printable(line));
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size in the peer's body: " + printable(line));
            }
        }
    }
}
