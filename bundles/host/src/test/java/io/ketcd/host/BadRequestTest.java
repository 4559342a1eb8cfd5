package io.ketcd.host;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input from the network on a served listener, TCP and Unix (relayed): each answer is the one
 * etcd 3.4.23 (Go's net/http) gives, checked with raw sockets against a running etcd, and comes
 * at once, well inside the 30 s idle timeout the server runs with; the server goes on serving; and
 * each bad request costs at most one log line, with no stack trace and no raw bytes from the wire.
 */
class BadRequestTest {
    private static final Duration IDLE = Duration.ofSeconds(30);
    /** Far below the idle timeout: an answer later than this waited for it. */
    private static final Duration PROMPT = Duration.ofSeconds(5);
    private static final String GO_400 =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";
    private static final String GO_431 = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8"
            + "\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large";

    @TempDir
    Path dir;
    private GrizzlyListenerServer server;
    private final LogCapture log = new LogCapture();

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        log.close();
    }

    /** A handler that answers 200 "ok" to GET and refuses anything else with 413 without reading the body. */
    private static final class RefusingHandler extends HttpHandler {
        @Override
        public void service(Request request, Response response) throws Exception {
            if (!request.getMethod().getMethodString().equals("GET")) {
                response.setStatus(HttpStatus.REQUEST_ENTITY_TOO_LARGE_413);
                response.setContentLength(0);
                return;
            }
            response.setContentType("text/plain");
            response.getWriter().write("ok");
        }
    }

    private SocketAddress start(String transport) throws IOException {
        String url = transport.equals("unix") ? "unix://" + dir.resolve("bad.sock") : "http://127.0.0.1:0";
        Listener listener = TestListeners.open(ListenerRole.CLIENT_HTTP, url);
        server = GrizzlyListenerServer.start(listener, new RefusingHandler(),
                new GrizzlyListenerServer.Settings("test-bad", IDLE, 4, 16, Duration.ZERO));
        log.drain();
        return server.localAddress();
    }

    private static RawExchange send(SocketAddress a, byte[] request) throws IOException {
        return RawExchange.of(a, request, IDLE.plusSeconds(5));
    }

    private static RawExchange send(SocketAddress a, String request) throws IOException {
        return send(a, request.getBytes(ISO_8859_1));
    }

    /** Answered promptly and closed, the log got at most one line, with nothing unprintable, and the server still serves. */
    private void assertRefused(SocketAddress a, RawExchange r, String answer) throws IOException {
        assertThat(r.text()).isEqualTo(answer);
        assertThat(r.closed()).as("closed").isTrue();
        assertThat(r.elapsed()).as("answered and closed promptly").isLessThan(PROMPT);
        assertAtMostOneCleanLine();
        assertServes(a);
    }

    private void assertAtMostOneCleanLine() {
        List<String> lines = log.drain();
        assertThat(lines).as("log lines").hasSizeLessThanOrEqualTo(1);
        lines.forEach(l -> assertThat(l).as("printable ASCII only").matches("[\\x20-\\x7e]*"));
    }

    private void assertServes(SocketAddress a) throws IOException {
        RawExchange ok = send(a, "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(ok.text()).endsWith("ok");
        log.drain();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aGarbageRequestLineIsA400AtOnce(String transport) throws IOException {
        SocketAddress a = start(transport);
        // no space in the first line: Grizzly alone waited for one until the idle timeout
        assertRefused(a, send(a, "NOT-HTTP\r\n\r\n"), GO_400);
        assertRefused(a, send(a, "\u0016\u0003\u0001garbage\r\n\r\n"), GO_400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aTlsHelloOnAPlainPortIsA400AtOnce(String transport) throws IOException {
        SocketAddress a = start(transport);
        byte[] hello = new byte[85];
        hello[0] = 0x16; // handshake record, TLS 1.0 framing, length 80, ClientHello
        hello[1] = 0x03;
        hello[2] = 0x01;
        hello[4] = 80;
        hello[5] = 0x01;
        assertRefused(a, send(a, hello), GO_400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void randomBytesAreA400AtOnceAndOneLogLine(String transport) throws IOException {
        SocketAddress a = start(transport);
        Random random = new Random(9);
        for (int i = 0; i < 5; i++) {
            byte[] junk = new byte[2048];
            random.nextBytes(junk);
            junk[0] = (byte) 0x80; // never a token character, whatever the seed gives
            assertRefused(a, send(a, junk), GO_400);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aHeaderLineWithoutAColonIsA400AtOnce(String transport) throws IOException {
        SocketAddress a = start(transport);
        assertRefused(a, send(a, "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"), GO_400);
        // a bad header name: Go names the reason
        assertRefused(a, send(a, "GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Name: y\r\n\r\n"),
                "HTTP/1.1 400 Bad Request: invalid header name\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close"
                        + "\r\n\r\n400 Bad Request: invalid header name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void headsUpToGosLimitAreServedAndLargerOnesAre431(String transport) throws IOException {
        SocketAddress a = start(transport);
        String oneMiB = "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n";
        RawExchange served = send(a, oneMiB);
        assertThat(served.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        // many headers, as Go takes them (Grizzly's default stopped at 100)
        String many = "GET /many HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "X-H: v\r\n".repeat(500) + "\r\n";
        assertThat(send(a, many).statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(log.drain()).isEmpty();

        String tooLarge = "GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat((1 << 20) + 5000) + "\r\n\r\n";
        assertRefused(a, send(a, tooLarge), GO_431);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aRefusedHugeBodyIsNotReadTheConnectionCloses(String transport) throws IOException {
        SocketAddress a = start(transport);
        // 10 GB announced, a little sent: the handler refuses it unread; Grizzly used to keep reading
        // (draining) until the idle timeout closed the connection
        RawExchange r = send(a, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n" + "x".repeat(1000));
        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(r.closed()).as("closed").isTrue();
        assertThat(r.elapsed()).isLessThan(PROMPT);
        assertAtMostOneCleanLine();
        assertServes(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aBrokenChunkedBodyIsA400AndOneLogLineWithoutAStackTrace(String transport) throws IOException {
        SocketAddress a = start(transport);
        for (int i = 0; i < 3; i++) {
            RawExchange r = send(a, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
            assertThat(r.closed()).isTrue();
            assertThat(r.elapsed()).isLessThan(PROMPT);
            assertAtMostOneCleanLine();
        }
        assertServes(a);
    }
}
