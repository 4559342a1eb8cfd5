package io.ketcd.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.host.HandlerMounts;
import io.ketcd.host.LogCapture;
import io.ketcd.host.TestListeners;
import io.ketcd.host.TextHandler;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.testing.FreePorts;
import io.ketcd.testing.fakes.Answer;
import io.ketcd.testing.fakes.FakeKv;
import io.ketcd.testing.fakes.FakeMaintenance;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TestClients;
import io.ketcd.tls.TestPki;
import io.ketcd.tls.TlsSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client HTTP host on a real Grizzly bound to 127.0.0.1 port 0, against a fake server.
 * Expected bytes were taken from etcd 3.4.23 ({@code curl -i}).
 */
class HttpServerTest {
    private static final Map<String, String> CORS = Map.of(
            "access-control-allow-headers", "accept, content-type, authorization",
            "access-control-allow-methods", "POST, GET, OPTIONS, PUT, DELETE",
            "access-control-allow-origin", "*");

    private static final long MEMBER_ID = 0x94018c83380f970cL;

    private final FakeMaintenance maintenance = new FakeMaintenance();
    private final FakeKv kv = new FakeKv();
    @TempDir
    Path dir;
    private HttpServer http;

    /** A member that knows its leader: healthy unless a test says otherwise. */
    @BeforeEach
    void leader() {
        maintenance.status = Answer.with(StatusResponse.newBuilder().setLeader(MEMBER_ID).build());
    }

    @AfterEach
    void close() {
        if (http != null) {
            http.close();
        }
    }

    private InetSocketAddress start() throws IOException {
        http = HttpServer.start(maintenance, kv, List.of(listener()));
        return (InetSocketAddress) http.boundAddresses().get(0);
    }

    /** A plain client HTTP listener on 127.0.0.1, port 0. */
    private static Listener listener() throws IOException {
        return TestListeners.open(ListenerRole.CLIENT_HTTP, "http://127.0.0.1:0");
    }

    /** An {@code https} listener serving a certificate of {@code ca}, with the client TLS {@code flags} besides. */
    private static Listener httpsListener(TestPki ca, Map<String, String> flags) throws IOException {
        TestPki.Leaf server = ca.leaf("server").write();
        Map<String, String> all = new LinkedHashMap<>(flags);
        all.put("cert-file", server.certFile().toString());
        all.put("key-file", server.keyFile().toString());
        TlsPolicy policy = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, all, Map.of()));
        return TestListeners.open(ListenerRole.CLIENT_HTTP, "https://127.0.0.1:0", policy);
    }

    @Test
    void versionIsEtcds() throws Exception {
        Reply r = get(start(), "/version");
        assertThat(r.status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(r.headers).containsEntry("content-type", "application/json").containsAllEntriesOf(CORS);
        assertThat(r.body).isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");
        assertThat(r.head.split("\r\n")).filteredOn(h -> h.startsWith("Date: ")).singleElement().asString()
                .matches("Date: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
    }

    @Test
    void healthyMemberAnswers200AfterALinearizableRead() throws Exception {
        Reply r = get(start(), "/health");
        assertThat(r.status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(r.headers).containsEntry("content-type", "text/plain; charset=utf-8")
                .containsEntry("content-length", "17").containsAllEntriesOf(CORS)
                .doesNotContainKey("x-content-type-options");
        assertThat(r.body).isEqualTo("{\"health\":\"true\"}");
        assertThat(kv.requests.of(RangeRequest.class)).hasSize(1);
        RangeRequest probe = kv.requests.of(RangeRequest.class).get(0);
        assertThat(probe.getSerializable()).isFalse();
        assertThat(probe.getKey().toStringUtf8()).isEqualTo("health");
        assertThat(probe.getLimit()).isEqualTo(1);
        assertThat(probe.getKeysOnly()).isTrue();
    }

    @Test
    void noLeaderIsUnhealthyWithoutARead() throws Exception {
        maintenance.status = Answer.with(StatusResponse.newBuilder()
                .setLeader(0).addErrors(EtcdError.NO_LEADER.message()).build());
        assertUnhealthy(get(start(), "/health"));
        assertThat(kv.requests.of(RangeRequest.class)).isEmpty();
    }

    @Test
    void alarmIsUnhealthyUnlessExcluded() throws Exception {
        maintenance.status = Answer.with(StatusResponse.newBuilder()
                .setLeader(MEMBER_ID).addErrors("memberID:10664214614089029388 alarm:NOSPACE ").build());
        InetSocketAddress a = start();
        assertUnhealthy(get(a, "/health"));
        assertUnhealthy(get(a, "/health?exclude=CORRUPT"));
        Reply excluded = get(a, "/health?exclude=CORRUPT&exclude=NOSPACE");
        assertThat(excluded.status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(excluded.body).isEqualTo("{\"health\":\"true\"}");
    }

    @Test
    void failedReadIsUnhealthy() throws Exception {
        kv.range = Answer.failing(EtcdError.TIMEOUT.exception());
        assertUnhealthy(get(start(), "/health"));
    }

    @Test
    void readThatThrowsIsUnhealthy() throws Exception {
        kv.range = Answer.throwing(EtcdError.STOPPED.exception());
        assertUnhealthy(get(start(), "/health"));
    }

    @Test
    void failedStatusIsUnhealthy() throws Exception {
        maintenance.status = Answer.failing(EtcdError.STOPPED.exception());
        assertUnhealthy(get(start(), "/health"));
    }

    @Test
    void readThatNeverAnswersIsUnhealthyAfterOneSecond() throws Exception {
        kv.range = Answer.never();
        InetSocketAddress a = start();
        long t0 = System.nanoTime();
        assertUnhealthy(get(a, "/health"));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(millis).isBetween(900L, 5_000L);
    }

    @Test
    void otherMethodsAre405WithAllowGet() throws Exception {
        InetSocketAddress a = start();
        for (String request : List.of("POST /health", "PUT /version", "DELETE /health", "HEAD /version")) {
            Reply r = exchange(a, request + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(r.status).as(request).isEqualTo("HTTP/1.1 405 Method Not Allowed");
            assertThat(r.headers).as(request).containsEntry("allow", "GET")
                    .containsEntry("content-type", "text/plain; charset=utf-8")
                    .containsEntry("x-content-type-options", "nosniff")
                    .containsEntry("content-length", "19").containsAllEntriesOf(CORS);
            if (!request.startsWith("HEAD")) {
                assertThat(r.body).as(request).isEqualTo("Method Not Allowed\n");
            }
        }
    }

    @Test
    void unknownPathsAre404LikeGo() throws Exception {
        InetSocketAddress a = start();
        for (String path : List.of("/", "/nope", "/health/", "/versionx", "/v3/kv/range")) {
            Reply r = get(a, path);
            assertThat(r.status).as(path).isEqualTo("HTTP/1.1 404 Not Found");
            assertThat(r.headers).as(path).containsEntry("content-type", "text/plain; charset=utf-8")
                    .containsEntry("x-content-type-options", "nosniff").containsAllEntriesOf(CORS);
            assertThat(r.body).as(path).isEqualTo("404 page not found\n");
        }
    }

    @Test
    void optionsAnswersCorsOnAnyPath() throws Exception {
        InetSocketAddress a = start();
        for (String path : List.of("/health", "/nope")) {
            Reply r = exchange(a, "OPTIONS " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(r.status).isEqualTo("HTTP/1.1 200 OK");
            assertThat(r.headers).containsAllEntriesOf(CORS).containsEntry("content-length", "0");
            assertThat(r.body).isEmpty();
        }
        assertThat(kv.requests.of(RangeRequest.class)).isEmpty();
    }

    @Test
    void mountedHandlersServeExactPathsAndSubtreesUntilUnmounted() throws Exception {
        InetSocketAddress a = start();
        HandlerMounts mounts = http.mounts();
        long custom = mounts.mount("/custom", new TextHandler("custom"));
        mounts.mount("/v3/", new TextHandler("gateway"));
        long kvSubtree = mounts.mount("/v3/kv/", new TextHandler("kv"));

        assertThat(get(a, "/custom").body).isEqualTo("custom");
        assertThat(get(a, "/custom/x").status).isEqualTo("HTTP/1.1 404 Not Found");
        assertThat(get(a, "/v3/").body).isEqualTo("gateway");
        assertThat(get(a, "/v3/watch").body).isEqualTo("gateway");
        assertThat(get(a, "/v3/kv/range").body).isEqualTo("kv");
        assertThat(get(a, "/custom").headers).containsAllEntriesOf(CORS);
        assertThatThrownBy(() -> mounts.mount(custom, "/other", 0, new TextHandler("again")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> mounts.mount("custom", new TextHandler("x"))).isInstanceOf(IllegalArgumentException.class);

        assertThat(mounts.unmount(kvSubtree)).isTrue();
        assertThat(get(a, "/v3/kv/range").body).isEqualTo("gateway");
        assertThat(mounts.unmount(custom)).isTrue();
        assertThat(mounts.unmount(custom)).isFalse();
        assertThat(get(a, "/custom").status).isEqualTo("HTTP/1.1 404 Not Found");
    }

    @Test
    void theHighestRankedHandlerServesAPathAndTheNextBestTakesOverWhenItGoes() throws Exception {
        InetSocketAddress a = start();
        HandlerMounts mounts = http.mounts();
        String builtIn = get(a, "/version").body;
        assertThat(builtIn).contains("\"etcdserver\"");

        mounts.mount(100, "/version", 5, new TextHandler("ranked 5, id 100"));
        assertThat(get(a, "/version").body).isEqualTo("ranked 5, id 100");
        mounts.mount(101, "/version", 5, new TextHandler("ranked 5, id 101"));
        mounts.mount(102, "/version", -1, new TextHandler("ranked -1"));
        assertThat(get(a, "/version").body).as("a tie goes to the lower service id").isEqualTo("ranked 5, id 100");
        mounts.updateService(new TextHandler("ranked 9, id 102"), Map.of(HttpWhiteboard.PATH, "/version",
                "service.id", 102L, "service.ranking", 9));
        assertThat(get(a, "/version").body).as("a ranking raised live").isEqualTo("ranked 9, id 102");

        mounts.unmount(102);
        assertThat(get(a, "/version").body).isEqualTo("ranked 5, id 100");
        mounts.unmount(100);
        assertThat(get(a, "/version").body).isEqualTo("ranked 5, id 101");
        mounts.unmount(101);
        assertThat(get(a, "/version").body).as("the built-in serves again").isEqualTo(builtIn);
        assertThat(mounts.served()).containsOnlyKeys("/health", "/version");
    }

    @Test
    void aHandlerThatThrowsAnswers500IsLoggedOnceAndTheOthersKeepServing() throws Exception {
        InetSocketAddress a = start();
        http.mounts().mount("/broken", new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws Exception {
                response.getOutputStream().write("half an answer".getBytes(UTF_8));
                throw new IllegalStateException("a bug in a deployed handler");
            }
        });
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                Reply r = get(a, "/broken");
                assertThat(r.status).isEqualTo("HTTP/1.1 500 Internal Server Error");
                assertThat(r.body).isEqualTo("Internal Server Error\n");
                assertThat(r.headers).containsAllEntriesOf(CORS).containsEntry("x-content-type-options", "nosniff");
                assertThat(get(a, "/version").status).isEqualTo("HTTP/1.1 200 OK");
            }
            List<String> lines = log.drain();
            assertThat(lines.stream().filter(l -> l.contains("a bug in a deployed handler"))).as("%s", lines).hasSize(2);
            assertThat(lines.stream().filter(l -> l.contains("failed on GET /broken; answering 500"))).as("%s", lines).hasSize(1);
            assertThat(lines.stream().filter(l -> l.contains("failed again"))).as("%s", lines).hasSize(1);
        }
    }

    @Test
    void everyListenerIsServed() throws Exception {
        Listener first = listener();
        Listener second = listener();
        http = HttpServer.start(maintenance, kv, List.of(first, second));
        assertThat(http.boundAddresses()).containsExactly(first.localAddress(), second.localAddress());
        for (Listener l : List.of(first, second)) {
            assertThat(get((InetSocketAddress) l.localAddress(), "/version").status).isEqualTo("HTTP/1.1 200 OK");
        }
    }

    @Test
    void listenersAreReportedInTheOrderGiven() throws Exception {
        List<Listener> listeners = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            listeners.add(listener());
        }
        http = HttpServer.start(maintenance, kv, listeners);
        assertThat(http.boundAddresses()).containsExactlyElementsOf(listeners.stream().map(Listener::localAddress).toList());
    }

    @Test
    void aListenerThatCannotBeServedFailsTheStartAndEveryListenerIsClosed() throws Exception {
        Listener before = listener();
        Listener closed = TestListeners.open(ListenerRole.CLIENT_HTTP, "unix://" + dir.resolve("http.sock"));
        closed.close();
        Listener after = listener();
        assertThatThrownBy(() -> HttpServer.start(maintenance, kv, List.of(before, closed, after)))
                .isInstanceOf(IOException.class).hasMessageContaining(closed.url().toString());
        for (Listener l : List.of(before, closed, after)) {
            assertThat(l.channel().isOpen()).as("%s closed", l.url()).isFalse();
        }
        // Grizzly closes a served socket on its selector thread, a moment after close() returns
        int beforePort = TestListeners.port(before), afterPort = TestListeners.port(after);
        TestListeners.awaitBindable(beforePort, Duration.ofSeconds(5));
        assertThat(FreePorts.bindable(afterPort)).as("port %d released", afterPort).isTrue();
    }

    @Test
    void aUnixListenerServesHealthAndVersionAsTheTcpOneDoes() throws Exception {
        Listener tcp = listener();
        Listener unix = TestListeners.open(ListenerRole.CLIENT_HTTP, "unix://" + dir.resolve("client.sock"));
        http = HttpServer.start(maintenance, kv, List.of(tcp, unix));
        assertThat(http.boundAddresses()).containsExactly(tcp.localAddress(), UnixDomainSocketAddress.of(dir.resolve("client.sock")));
        for (String path : List.of("/health", "/version")) {
            Reply overTcp = get((InetSocketAddress) tcp.localAddress(), path);
            Reply overUnix = parse(unixExchange(dir.resolve("client.sock"),
                    "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
            assertThat(overUnix.status).as(path).isEqualTo("HTTP/1.1 200 OK");
            assertThat(overUnix.body).as(path).isEqualTo(overTcp.body);
            assertThat(overUnix.headers).as(path).containsAllEntriesOf(CORS)
                    .containsEntry("content-type", overTcp.headers.get("content-type"));
        }
        http.close();
        http = null;
        assertThat(dir.resolve("client.sock")).doesNotExist();
    }

    /** Sends {@code request} on the Unix socket {@code file}, then reads until the server closes (bounded: 10 s). */
    private static byte[] unixExchange(Path file, String request) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(file))) {
                c.write(ByteBuffer.wrap(request.getBytes(ISO_8859_1)));
                return Channels.newInputStream(c).readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void closeStopsListeningAndClosesTheListeners() throws Exception {
        Listener listener = listener();
        http = HttpServer.start(maintenance, kv, List.of(listener));
        InetSocketAddress a = (InetSocketAddress) listener.localAddress();
        assertThat(get(a, "/health").status).isEqualTo("HTTP/1.1 200 OK");
        http.close();
        assertThat(listener.channel().isOpen()).isFalse();
        assertThatThrownBy(() -> get(a, "/health")).isInstanceOf(ConnectException.class);
        TestListeners.awaitBindable(a.getPort(), Duration.ofSeconds(5));
        http.close();
        http = null;
    }

    @Test
    void healthOverHttpsWithTheListenersPolicy() throws Exception {
        TestPki ca = TestPki.create(dir, "ketcd test CA");
        Listener listener = httpsListener(ca, Map.of());
        http = HttpServer.start(maintenance, kv, List.of(listener));
        SSLSocketFactory client = TestClients.context(ca.caFile(), Optional.empty()).getSocketFactory();
        Reply r = parse(rawExchange(() -> client.createSocket(), (InetSocketAddress) listener.localAddress(),
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1), false));
        assertThat(r.status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(r.body).isEqualTo("{\"health\":\"true\"}");
        // the port speaks TLS only
        assertThat(new String(rawExchange((InetSocketAddress) listener.localAddress(),
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1), false), ISO_8859_1))
                .doesNotContain("health");
    }

    @Test
    void clientsWithoutATrustedCertificateAreRefusedWhenThePolicyNeedsOne() throws Exception {
        TestPki ca = TestPki.create(dir, "ketcd test CA");
        Listener listener = httpsListener(ca, Map.of("trusted-ca-file", ca.caFile().toString(), "client-cert-auth", "true"));
        http = HttpServer.start(maintenance, kv, List.of(listener));
        InetSocketAddress a = (InetSocketAddress) listener.localAddress();
        byte[] request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1);

        SSLSocketFactory withCertificate = TestClients.context(ca.caFile(), Optional.of(ca.leaf("client").write()))
                .getSocketFactory();
        assertThat(parse(rawExchange(() -> withCertificate.createSocket(), a, request, false)).status).isEqualTo("HTTP/1.1 200 OK");

        SSLSocketFactory withoutCertificate = TestClients.context(ca.caFile(), Optional.empty()).getSocketFactory();
        assertThatThrownBy(() -> rawExchange(() -> withoutCertificate.createSocket(), a, request, false))
                .isInstanceOf(SSLException.class);
        // a certificate from another CA is no better than none; the client trusts the server's CA to get that far
        TestPki.Leaf stranger = TestPki.create(dir.resolve("other"), "another CA").leaf("stranger").write();
        SSLContext strangerTrustingServer = TestClients.context(ca.caFile(), Optional.of(stranger));
        assertThatThrownBy(() -> rawExchange(() -> strangerTrustingServer.getSocketFactory().createSocket(), a, request, false))
                .isInstanceOf(SSLException.class);
        assertThat(kv.requests.of(RangeRequest.class)).hasSize(1);
    }

    @Test
    void garbageGetsA400OrACloseAndTheServerGoesOn() throws Exception {
        // what each junk gets, and how soon, is BadRequestTest's; here the server only has to go on
        http = HttpServer.start(HttpServer.builtIns(maintenance, kv), List.of(listener()), Duration.ofSeconds(1));
        InetSocketAddress a = (InetSocketAddress) http.boundAddresses().get(0);
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        assertRejected(rawExchange(a, random, false));

        String longLine = "GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        assertRejected(rawExchange(a, longLine.getBytes(ISO_8859_1), false));

        String hugeHeader = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2 << 20) + "\r\n\r\n";
        assertRejected(rawExchange(a, hugeHeader.getBytes(ISO_8859_1), false));

        assertRejected(rawExchange(a, "NOT-HTTP\r\n\r\n".getBytes(ISO_8859_1), false));
        assertRejected(rawExchange(a, "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1), false));

        // An incomplete request, left open or half-closed by the client: no answer, the connection ends.
        byte[] incomplete = "GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1);
        assertThat(rawExchange(a, incomplete, false)).isEmpty();
        assertThat(rawExchange(a, incomplete, true)).isEmpty();

        Reply after = get(a, "/health");
        assertThat(after.status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(after.body).isEqualTo("{\"health\":\"true\"}");
    }

    private static void assertRejected(byte[] answer) {
        String text = new String(answer, ISO_8859_1);
        if (!text.isEmpty()) {
            assertThat(text).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
        }
    }

    private static void assertUnhealthy(Reply r) {
        assertThat(r.status).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(r.headers).containsEntry("content-type", "text/plain; charset=utf-8")
                .containsEntry("x-content-type-options", "nosniff")
                .containsEntry("content-length", "19").containsAllEntriesOf(CORS);
        assertThat(r.body).isEqualTo("{\"health\":\"false\"}\n");
    }

    // ---- a raw HTTP/1.1 client, so the test sees the exact bytes

    private record Reply(String head, String status, Map<String, String> headers, String body) {
    }

    private static Reply get(InetSocketAddress a, String path) throws IOException {
        return exchange(a, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private static Reply exchange(InetSocketAddress a, String request) throws IOException {
        return parse(rawExchange(a, request.getBytes(ISO_8859_1), false));
    }

    private static Reply parse(byte[] answer) {
        String raw = new String(answer, UTF_8);
        int end = raw.indexOf("\r\n\r\n");
        assertThat(end).as("complete response head in: %s", raw).isPositive();
        String[] lines = raw.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).trim());
        }
        return new Reply(raw.substring(0, end), lines[0], headers, raw.substring(end + 4));
    }

    /** Sends {@code request}, then reads until the server closes (bounded by a 10 s read timeout). */
    private static byte[] rawExchange(InetSocketAddress a, byte[] request, boolean halfClose) throws IOException {
        return rawExchange(Socket::new, a, request, halfClose);
    }

    private interface SocketMaker {
        Socket make() throws IOException;
    }

    private static byte[] rawExchange(SocketMaker sockets, InetSocketAddress a, byte[] request, boolean halfClose) throws IOException {
        try (Socket s = sockets.make()) {
            s.connect(a, 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (SocketException e) {
                // the server may reset a connection it has given up on while we still write
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("server neither answered nor closed within 10 s; got: "
                        + new String(got.toByteArray(), ISO_8859_1), e);
            } catch (SocketException e) {
                // connection reset: the server closed on us, which is an acceptable rejection
            }
            if (s instanceof javax.net.ssl.SSLSocket && got.size() == 0) {
                // a TLS 1.3 server that refuses the client's certificate says so after the client's handshake
                // ends: the refusal arrives as the first read's SSLException, unless the reset came first
                throw new SSLException("the server closed the TLS connection without an answer");
            }
            return got.toByteArray();
        }
    }
}
