package io.ketcd.itests;

import static io.ketcd.itests.BadInputCase.Port.HTTP;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

import io.ketcd.host.RawExchange;

/**
 * Bad HTTP/1.1 on a member's HTTP client port, and the same on its peer port (both are served by
 * the same front, which answers as Go's net/http does in etcd 3.4.23): garbage request lines, a
 * TLS hello, headers without a colon, heads over 1 MiB, a huge announced body.
 */
final class HttpBadInputs {

    static final String GO_400 =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";
    static final String GO_431 = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8"
            + "\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large";
    /** The idle timeout is 30 s on the client ports and 5 s on the peer port: an answer later than this waited for one. */
    private static final Duration PROMPT = Duration.ofSeconds(3);
    private static final Duration BOUND = Duration.ofSeconds(40);

    private HttpBadInputs() {
    }

    static List<BadInputCase> cases(int repeat) {
        List<BadInputCase> cases = new ArrayList<>(malformed("http", HTTP, KetcdNode::httpPort, repeat));
        cases.add(BadInputCase.of("http: 10 GB Content-Length on a put", HTTP, t -> {
            // a little of the announced body is sent: the server must refuse without draining the rest
            RawExchange r = RawExchange.of(t.node().httpPort(), ("POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{\"key\":\"" + "x".repeat(1000))
                    .getBytes(ISO_8859_1), BOUND);
            assertTrue("a 4xx answer, got: " + r.text(), r.statusLine().startsWith("HTTP/1.1 4"));
            assertClosedPromptly(r);
        }));
        return List.copyOf(cases);
    }

    /** The malformed-HTTP cases for the port {@code portOf} gives, named {@code prefix: ...}. */
    static List<BadInputCase> malformed(String prefix, BadInputCase.Port port, ToIntFunction<KetcdNode> portOf, int repeat) {
        List<BadInputCase> cases = new ArrayList<>();
        cases.add(new BadInputCase(prefix + ": random bytes", port, repeat, t -> {
            Random random = new Random(9);
            for (int i = 0; i < repeat; i++) {
                byte[] junk = GrpcBadInputs.randomBytes(random, 2048);
                junk[0] = (byte) 0x80; // never a token character, whatever the seed gives
                assertAnswered(portOf.applyAsInt(t.node()), junk, GO_400);
            }
        }));
        cases.add(BadInputCase.of(prefix + ": garbage request line", port,
                t -> assertAnswered(portOf.applyAsInt(t.node()), "NOT-HTTP\r\n\r\n".getBytes(ISO_8859_1), GO_400)));
        cases.add(BadInputCase.of(prefix + ": TLS ClientHello on the plain port", port,
                t -> assertAnswered(portOf.applyAsInt(t.node()), GrpcBadInputs.TLS_CLIENT_HELLO, GO_400)));
        cases.add(BadInputCase.of(prefix + ": header without a colon", port, t -> assertAnswered(portOf.applyAsInt(t.node()),
                "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n".getBytes(ISO_8859_1), GO_400)));
        cases.add(BadInputCase.of(prefix + ": 2 MiB request head", port, t -> assertAnswered(portOf.applyAsInt(t.node()),
                ("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(2 << 20) + "\r\n\r\n").getBytes(ISO_8859_1),
                GO_431)));
        cases.add(BadInputCase.of(prefix + ": 1 MiB request head is served", port, t -> {
            RawExchange r = RawExchange.of(portOf.applyAsInt(t.node()), ("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\nX-Big: " + "a".repeat((1 << 20) - 1024) + "\r\n\r\n").getBytes(ISO_8859_1), BOUND);
            assertEquals(r.text(), "HTTP/1.1 200 OK", r.statusLine());
            assertTrue(r.text(), r.text().contains("\"etcdserver\":\"3.4.23\""));
        }));
        return cases;
    }

    /** Sends {@code request} and asserts {@code answer}, whole, then a close, both at once. */
    static void assertAnswered(int port, byte[] request, String answer) throws IOException {
        RawExchange r = RawExchange.of(port, request, BOUND);
        assertEquals(answer, r.text());
        assertClosedPromptly(r);
    }

    static void assertClosedPromptly(RawExchange r) {
        assertTrue("closed by the server, got: " + r.text(), r.closed());
        assertTrue("answered and closed within " + PROMPT + ", took " + r.elapsed(), r.elapsed().compareTo(PROMPT) < 0);
    }
}
