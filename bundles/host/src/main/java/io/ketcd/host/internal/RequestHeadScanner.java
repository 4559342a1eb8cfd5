package io.ketcd.host.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Checks one HTTP/1.x request head byte by byte as it arrives, with the rules of Go's net/http
 * (etcd's server) that Grizzly's parser does not apply, so that a head Go refuses is refused as
 * soon as the offending byte is read, not when an idle timeout ends the connection:
 * <ul>
 *   <li>the method is a non-empty token and the request line has three parts: a TLS hello
 *       ({@code 0x16 0x03 ...}), random bytes or a line without spaces is a {@code 400};</li>
 *   <li>the request target has no control characters ({@code 400});</li>
 *   <li>the version is {@code HTTP/<digits>.<digits>} ({@code 400}) with major version 1
 *       ({@code 505});</li>
 *   <li>a header line has a colon ({@code 400}), its name is a token ({@code 400 Bad Request:
 *       invalid header name}); a line starting with a space or tab continues the previous one,
 *       as Go's textproto reads it;</li>
 *   <li>{@code Content-Length} is digits, the same in every copy ({@code 400}); an HTTP/1.1
 *       request has a {@code Host} ({@code 400 Bad Request: missing required Host header});</li>
 *   <li>the whole head is at most {@link #MAX_HEAD_BYTES} ({@code 431}).</li>
 * </ul>
 * It also tells how the body is framed, so the caller can skip it and check the next head on the
 * connection. Lines may end in CRLF or a bare LF, as in Go. Not thread-safe: one per connection,
 * used by the thread that reads it.
 */
final class RequestHeadScanner {
    /**
     * Go's limit: {@code http.DefaultMaxHeaderBytes} (1 MiB) plus the 4096 bytes of slack
     * net/http's server adds to it ({@code initialReadLimitSize}).
     */
    static final int MAX_HEAD_BYTES = (1 << 20) + 4096;
    /** How many of a head's first bytes a rejection shows. */
    private static final int SHOWN_BYTES = 64;

    /** Why a head was refused: Go's public error text (status line and body) and what was wrong, for the log. */
    record Rejection(String publicError, String detail) {
        int status() {
            return Integer.parseInt(publicError.substring(0, 3));
        }

        /**
         * The whole answer net/http's server writes, before any handler runs, to a request it
         * cannot read (then it closes the connection): the public error, e.g. {@code "400 Bad
         * Request"}, {@code "431 Request Header Fields Too Large"} or {@code "400 Bad Request:
         * invalid header name"}, is the status and reason and is the body too.
         */
        byte[] answer() {
            return ("HTTP/1.1 " + publicError + "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
                    + publicError).getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private enum State { METHOD, TARGET, VERSION, LINE_START, NAME, VALUE, DONE, REJECTED }

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private State state = State.METHOD;
    private int headBytes;
    private final ByteArrayOutputStream shown = new ByteArrayOutputStream(SHOWN_BYTES);
    /** The version or the current header's name and value, as far as they matter (bounded). */
    private final StringBuilder field = new StringBuilder();
    private String name = "";
    private long contentLength = -1;
    private boolean chunked;
    /** HTTP/1.1 (not 1.0): Go requires a Host header then. */
    private boolean needsHost;
    private boolean host;
    private Rejection rejection;

    /**
     * Reads {@code bytes[from, to)} as the continuation of the head.
     *
     * @return the index just after the head's last byte once the head is complete (its body, or
     *     the next request, starts there); -1 when all of the range belongs to the head and more
     *     is needed, or when the head was {@linkplain #rejection() rejected}
     */
    int scan(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (state == State.DONE || state == State.REJECTED) {
                return state == State.DONE ? i : -1;
            }
            if (++headBytes > MAX_HEAD_BYTES) {
                reject("431 Request Header Fields Too Large", "head longer than " + MAX_HEAD_BYTES + " bytes");
                return -1;
            }
            if (shown.size() < SHOWN_BYTES) {
                shown.write(bytes[i]);
            }
            step(bytes[i] & 0xff);
        }
        return state == State.DONE ? to : -1;
    }

    private void step(int b) {
        switch (state) {
            case METHOD -> {
                if (b == ' ' && headBytes > 1) {
                    state = State.TARGET;
                } else if (!isToken(b)) {
                    reject("400 Bad Request", "malformed request line: bad method");
                }
            }
            case TARGET -> {
                if (b == ' ') {
                    state = State.VERSION;
                } else if (b < 0x20 || b == 0x7f) {
                    reject("400 Bad Request", b == '\n' || b == '\r' ? "malformed request line: no version" : "control character in the request target");
                }
            }
            case VERSION -> {
                if (b == '\n') {
                    endVersion();
                } else if (b != '\r' && field.length() <= 16) {
                    field.append((char) b);
                }
            }
            case LINE_START -> {
                if (b == '\n') {
                    endHead();
                } else if (b == '\r') {
                    // the empty line's CR; its LF ends the head
                } else if (b == ' ' || b == '\t') {
                    state = State.VALUE; // a continuation line (obs-fold) of the previous header
                } else {
                    state = State.NAME;
                    field.setLength(0);
                    step(b);
                }
            }
            case NAME -> {
                if (b == ':') {
                    name = field.toString();
                    field.setLength(0);
                    state = State.VALUE;
                } else if (b == '\n') {
                    reject("400 Bad Request", "a header line without a colon");
                } else if (!isToken(b) && b != '\r') {
                    reject("400 Bad Request: invalid header name", "a header name with a character that is not a token's");
                } else if (field.length() < 32) {
                    field.append((char) b);
                }
            }
            case VALUE -> {
                if (b == '\n') {
                    endHeader();
                    state = State.LINE_START;
                } else if (b != '\r' && field.length() < 64) {
                    field.append((char) b);
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void endVersion() {
        String version = field.toString();
        field.setLength(0);
        int major = majorVersion(version);
        if (major < 0) {
            reject("400 Bad Request", "malformed HTTP version");
        } else if (major != 1) {
            reject("505 HTTP Version Not Supported: unsupported protocol version", "HTTP version " + version);
        } else {
            needsHost = !version.equals("HTTP/1.0");
            state = State.LINE_START;
        }
    }

    /** Go's ParseHTTPVersion: {@code HTTP/<major>.<minor>}, digits only; the major version, or -1. */
    private static int majorVersion(String v) {
        if (!v.startsWith("HTTP/")) {
            return -1;
        }
        int dot = v.indexOf('.', 5);
        if (dot < 6 || dot == v.length() - 1 || dot - 5 > 7 || v.length() - dot - 1 > 7) {
            return -1;
        }
        for (int i = 5; i < v.length(); i++) {
            if (i != dot && (v.charAt(i) < '0' || v.charAt(i) > '9')) {
                return -1;
            }
        }
        return Integer.parseInt(v.substring(5, dot));
    }

    private void endHeader() {
        String value = field.toString().strip();
        field.setLength(0);
        if (name.equalsIgnoreCase("Content-Length")) {
            long length = parseLength(value);
            if (length < 0 || (contentLength >= 0 && contentLength != length)) {
                reject("400 Bad Request", "bad Content-Length");
            }
            contentLength = length;
        } else if (name.equalsIgnoreCase("Host")) {
            host = true;
        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
            chunked = true;
        }
        name = "";
    }

    private static long parseLength(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(value);
    }

    private void endHead() {
        if (needsHost && !host) {
            reject("400 Bad Request: missing required Host header", "an HTTP/1.1 request without Host");
        } else {
            state = State.DONE;
        }
    }

    private void reject(String publicError, String detail) {
        if (rejection == null) {
            rejection = new Rejection(publicError, detail);
        }
        state = State.REJECTED;
    }

    private static boolean isToken(int b) {
        return b < 128 && TOKEN[b];
    }

    /** Why the head was refused; null while it is fine. */
    Rejection rejection() {
        return rejection;
    }

    /** Whether the head is complete (and was not refused). */
    boolean done() {
        return state == State.DONE;
    }

    /**
     * After a complete head: the body's length from {@code Content-Length}, 0 when the head
     * announced no body, -1 when the body is framed otherwise ({@code Transfer-Encoding}), so
     * that where the next request starts is left to Grizzly's codec.
     */
    long bodyLength() {
        return chunked ? -1 : Math.max(0, contentLength);
    }

    /** The head's first bytes, as they came from the network (for the log; escape them). */
    byte[] firstBytes() {
        return shown.toByteArray();
    }
}
