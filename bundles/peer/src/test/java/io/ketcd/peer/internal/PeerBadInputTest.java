package io.ketcd.peer.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.host.LogCapture;
import io.ketcd.host.RawExchange;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on the peer port, TCP and Unix (relayed), with etcd's timeouts (5 s idle and read):
 * garbage gets Go's 400 at once, a rejected request's log line escapes what came from the wire,
 * and a flood of bad requests costs one log line per kind, never a stack trace.
 */
class PeerBadInputTest {
    private static final Duration PROMPT = Duration.ofSeconds(2);
    private static final String GO_400 =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";

    @TempDir
    Path dir;
    private PeerTransportImpl transport;
    private final LogCapture log = new LogCapture();

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
        log.close();
    }

    private SocketAddress start(String kind) throws IOException {
        String url = kind.equals("unix") ? "unix://" + dir.resolve("peer.sock") : "http://127.0.0.1:0";
        transport = PeerTransportImpl.start(TestSupport.config(1), new RecordingReceiver(1, 2),
                List.of(TestSupport.listener(url, TlsPolicy.disabled(TlsRole.PEER))), Timeouts.from(Duration.ofMillis(100)), 1);
        log.drain();
        return transport.servedAddresses().get(0);
    }

    private static RawExchange send(SocketAddress a, byte[] bytes) throws IOException {
        return RawExchange.of(a, bytes, Duration.ofSeconds(15));
    }

    private void assertServes(SocketAddress a) throws IOException {
        RawExchange r = send(a, "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    }

    private List<String> lines() {
        List<String> lines = log.drain();
        lines.forEach(l -> assertThat(l).as("printable ASCII only").matches("[\\x20-\\x7e]*"));
        return lines;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void randomBytesATlsHelloAndGarbageLinesGetA400AtOnceAndOneLineAtMost(String kind) throws IOException {
        SocketAddress a = start(kind);
        Random random = new Random(28);
        byte[] junk = new byte[4096];
        random.nextBytes(junk);
        junk[0] = 0x16;
        byte[] hello = {0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00, 0x00, 0x4c, 0x03, 0x03};
        for (byte[] bad : List.of(junk, hello, "NOT-HTTP\r\n\r\n".getBytes(ISO_8859_1),
                "GET /raft HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n".getBytes(ISO_8859_1))) {
            RawExchange r = send(a, bad);
            assertThat(r.text()).isEqualTo(GO_400);
            assertThat(r.closed()).isTrue();
            assertThat(r.elapsed()).as("well inside the 5 s read timeout").isLessThan(PROMPT);
            assertThat(lines()).hasSizeLessThanOrEqualTo(1);
            assertServes(a);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void rejectedRequestsAreLoggedEscapedOncePerKind(String kind) throws IOException {
        SocketAddress a = start(kind);
        for (int i = 0; i < 20; i++) {
            // an escape sequence in a header value and a high byte in the path reach the handler's checks
            String request = "POST /raft HTTP/1.1\r\nHost: x\r\nX-Server-From: 2\r\nX-Server-Version: 3.4.23\r\n"
                    + "X-Min-Cluster-Version: 3.0.0\r\nX-Etcd-Cluster-ID: \u001b[2Jdead\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
            RawExchange r = send(a, request.getBytes(ISO_8859_1));
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 412 Precondition Failed");
            RawExchange notFound = send(a, "GET /nope\u00ff\u009b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
            assertThat(notFound.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
        }
        List<String> lines = lines();
        assertThat(lines).as("one line per kind (412, 404)").hasSize(2);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\\x1b[2Jdead"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("/nope\\"));
        assertServes(a);
    }
}
