package io.ketcd.peer.internal;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
/**
 * One {@code GET /raft/stream/...} on a socket of its own, read by the stream reader's thread
 * itself. The JDK's HTTP client read each stream on its selector thread and handed the buffers to
 * an executor thread and then to the reader through a queue: three threads and two wake-ups per
 * frame, about a quarter of a member's CPU per put in a 3-member cluster (async-profiler, see
 * bench/README.md). Here one blocking read on the reader's thread gets the bytes, and the
 * socket's read timeout notices a silent peer.
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

    private final Socket socket;
    private final int status;
    private final InputStream body;

    private StreamConnection(Socket socket, int status, InputStream body) {
        this.socket = socket;
        this.status = status;
        this.body = body;
    }

    /**
     * Dials {@code url} (TLS with {@code client}'s context for {@code https}), sends the GET for
     * its path with {@code headers}, and reads the response head, all within {@code dialTimeout}
     * per step; afterwards a read that sees no byte for {@code readTimeout} fails with a {@link
     * java.net.SocketTimeoutException}.
     */
    static StreamConnection open(PeerClient tlsDialer, URI url, Map<String, String> headers, Duration dialTimeout, Duration readTimeout)
            throws IOException {
        boolean tls = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() >= 0 ? url.getPort() : tls ? 443 : 80;
        String host = url.getHost();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), Math.toIntExact(dialTimeout.toMillis()));
            socket.setSoTimeout(Math.toIntExact(dialTimeout.toMillis()));
            if (tls) {
                socket = tlsDialer.wrapTls(socket, host, port);
            }
            OutputStream out = socket.getOutputStream();
            out.write(request(url, host, port, headers).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            int status = statusOf(line(in));
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
            socket.setSoTimeout(Math.toIntExact(readTimeout.toMillis()));
            InputStream body = chunked ? new ChunkedBody(in) : length >= 0 ? new LimitedBody(in, length) : in;
            return new StreamConnection(socket, status, body);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    int status() {
        return status;
    }

    /** The response body, decoded. */
    InputStream body() {
        return body;
    }

    /** Closes the socket: a read blocked in another thread fails at once. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    private static String request(URI url, String host, int port, Map<String, String> headers) {
        StringBuilder sb = new StringBuilder(256).append("GET ").append(url.getRawPath()).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port).append("\r\n");
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
