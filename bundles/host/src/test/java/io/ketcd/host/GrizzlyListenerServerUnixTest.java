package io.ketcd.host;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TestPki;
import io.ketcd.tls.TlsSettings;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix domain socket listeners ({@code unix}, {@code unixs}), served by Grizzly on an internal
 * loopback port behind the in-process relay. Clients are a JDK {@link SocketChannel} on the
 * socket file writing raw HTTP/1.1, and {@code curl --unix-socket} (skipped when curl is not
 * installed).
 */
class GrizzlyListenerServerUnixTest {
    private static final String NAME = "test-unix-http";
    private static final GrizzlyListenerServer.Settings SETTINGS =
            new GrizzlyListenerServer.Settings(NAME, Duration.ofSeconds(30), 4, 16, Duration.ZERO);
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private GrizzlyListenerServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private Listener unix(String file) throws IOException {
        return TestListeners.open(ListenerRole.CLIENT_HTTP, "unix://" + dir.resolve(file));
    }

    @Test
    void aRawRequestOnTheSocketFileIsServedAndTheAddressStaysTheSocketFile() throws Exception {
        Listener listener = unix("http.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("hello over unix"), SETTINGS);

        assertThat(server.localAddress()).isEqualTo(listener.localAddress())
                .isEqualTo(UnixDomainSocketAddress.of(dir.resolve("http.sock")));
        InetSocketAddress internal = server.relayTarget().orElseThrow();
        assertThat(internal.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                write(c, "GET /anything HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                Reply r = Reply.read(Channels.newInputStream(c));
                assertThat(r.status).isEqualTo("HTTP/1.1 200 OK");
                assertThat(r.text()).isEqualTo("hello over unix");
                // Connection: close: Grizzly closes its side and the relay passes the end on
                assertThat(Channels.newInputStream(c).read()).isEqualTo(-1);
            }
        });
    }

    @Test
    void curlWithUnixSocketIsServed() throws Exception {
        assumeTrue(Files.isExecutable(CURL), "curl is not installed at " + CURL);
        Listener listener = unix("curl.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("healthy"), SETTINGS);

        assertThat(curl("--unix-socket", dir.resolve("curl.sock").toString(), "http://localhost/health"))
                .isEqualTo("200 healthy");
    }

    @Test
    void twoRequestsOnOneConnectionAndFourMebibytesEachWayArriveIntact() throws Exception {
        Listener listener = unix("echo.sock");
        server = GrizzlyListenerServer.start(listener, new EchoHandler(), SETTINGS);
        byte[] large = new byte[4 << 20];
        new Random(42).nextBytes(large);

        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                InputStream in = Channels.newInputStream(c);
                OutputStream out = Channels.newOutputStream(c);
                out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + large.length + "\r\n\r\n")
                        .getBytes(ISO_8859_1));
                out.write(large);
                Reply first = Reply.read(in);
                assertThat(first.status).isEqualTo("HTTP/1.1 200 OK");
                assertThat(first.body).hasSize(large.length).isEqualTo(large);

                // the same connection, kept alive by the relay and by Grizzly
                write(c, "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n\r\nsecond");
                Reply second = Reply.read(in);
                assertThat(second.status).isEqualTo("HTTP/1.1 200 OK");
                assertThat(second.text()).isEqualTo("second");
            }
        });
    }

    @Test
    void manyConnectionsAtOnceEachGetTheirOwnAnswers() throws Exception {
        Listener listener = unix("many.sock");
        server = GrizzlyListenerServer.start(listener, new EchoHandler(), SETTINGS);
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String id = "client-" + i;
                all.add(CompletableFuture.runAsync(() -> {
                    try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                        InputStream in = Channels.newInputStream(c);
                        for (int n = 0; n < 5; n++) {
                            String body = id + "-request-" + n;
                            write(c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                            assertThat(Reply.read(in).text()).isEqualTo(body);
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, clients));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() throws Exception {
        Listener listener = unix("half.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("answered"), SETTINGS);
        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                write(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                c.shutdownOutput();
                String all = new String(Channels.newInputStream(c).readAllBytes(), ISO_8859_1);
                assertThat(all).startsWith("HTTP/1.1 200 OK").endsWith("answered");
            }
        });
    }

    @Test
    void aUnixPeerListenersFiveSecondReadTimeoutBoundsABlockingBodyReadBehindTheRelay() throws Exception {
        BodyReadingHandler reader = new BodyReadingHandler();
        Listener listener = TestListeners.open(ListenerRole.PEER, "unix://" + dir.resolve("peer.sock"));
        assertThat(listener.readTimeout()).isEqualTo(Duration.ofSeconds(5));
        server = GrizzlyListenerServer.start(listener, reader, SETTINGS);
        try (SocketChannel c = SocketChannel.open(server.localAddress())) {
            // 10 bytes announced, 2 sent: the handler blocks for the rest
            write(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
            long t0 = System.nanoTime();
            Throwable failure = reader.outcome().get(15, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(failure).as("the blocked read fails").isNotNull();
            assertThat(millis).isBetween(4_500L, 10_000L);
        }
    }

    @Test
    void theIdleTimeoutClosesASilentUnixConnection() throws Exception {
        Listener listener = unix("idle.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("x"),
                new GrizzlyListenerServer.Settings(NAME, Duration.ofSeconds(1), 4, 16, Duration.ZERO));
        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                long t0 = System.nanoTime();
                // nothing sent: Grizzly's idle timeout closes its side, and the relay the client's
                assertThat(Channels.newInputStream(c).read()).isEqualTo(-1);
                assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(500L, 10_000L);
            }
        });
        assertThat(server.relayTarget()).isPresent();
    }

    @Test
    void unixsServesTlsOverTheSocketFile() throws Exception {
        assumeTrue(Files.isExecutable(CURL), "curl is not installed at " + CURL);
        TestPki ca = TestPki.create(dir.resolve("pki"), "ketcd test CA");
        TestPki.Leaf cert = ca.leaf("server").write();
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("cert-file", cert.certFile().toString());
        flags.put("key-file", cert.keyFile().toString());
        TlsPolicy policy = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, flags, Map.of()));
        Listener listener = TestListeners.open(ListenerRole.CLIENT_HTTP, "unixs://" + dir.resolve("tls.sock"), policy);
        assertThat(listener.tls()).isPresent();
        server = GrizzlyListenerServer.start(listener, new TextHandler("secret"), SETTINGS);

        String socket = dir.resolve("tls.sock").toString();
        assertThat(curl("--unix-socket", socket, "--cacert", ca.caFile().toString(), "https://localhost/v"))
                .isEqualTo("200 secret");
        // plain HTTP on a unixs socket gets no HTTP answer: TLS ends in Grizzly, behind the relay
        assertThat(curl("--unix-socket", socket, "http://localhost/v")).doesNotContain("secret");
    }

    @Test
    void aDirectConnectionToTheInternalPortIsClosedWithoutAnAnswer() throws Exception {
        Listener listener = unix("guarded.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("only through the socket file"), SETTINGS);
        InetSocketAddress internal = server.relayTarget().orElseThrow();

        try (Socket s = new Socket()) {
            s.connect(internal, 10_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
            assertThat(readUntilClosed(s.getInputStream())).as("bytes answered to a direct connection").isEmpty();
        }
        // the socket file still serves
        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel c = SocketChannel.open(server.localAddress())) {
                write(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                assertThat(Reply.read(Channels.newInputStream(c)).text()).isEqualTo("only through the socket file");
            }
        });
    }

    @Test
    void closeReleasesTheSocketFileTheInternalPortTheConnectionsAndTheThreads() throws Exception {
        Listener listener = unix("closing.sock");
        Path file = dir.resolve("closing.sock");
        server = GrizzlyListenerServer.start(listener, new TextHandler("kept alive"), SETTINGS);
        int internalPort = server.relayTarget().orElseThrow().getPort();
        assertThat(threads()).anyMatch(n -> n.startsWith(NAME + "-unix-relay"));

        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel idle = SocketChannel.open(server.localAddress())) {
                // a served keep-alive connection stays open across close() until close() cuts it
                write(idle, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(Reply.read(Channels.newInputStream(idle)).text()).isEqualTo("kept alive");

                server.close();

                assertThat(Channels.newInputStream(idle).read()).as("the relayed connection is closed").isEqualTo(-1);
            }
        });
        assertThat(listener.channel().isOpen()).isFalse();
        assertThat(file).doesNotExist();
        assertThatThrownBy(() -> SocketChannel.open(UnixDomainSocketAddress.of(file))).isInstanceOf(IOException.class);
        assertThat(FreePorts.bindable(internalPort)).as("internal port %d released", internalPort).isTrue();
        assertThat(threads()).noneMatch(n -> n.startsWith(NAME + "-unix-relay"));
        server.close(); // idempotent
        server = null;
    }

    @Test
    void aFailedStartClosesTheListenerAndRemovesTheSocketFile() throws Exception {
        Listener real = TestListeners.open(ListenerRole.CLIENT_HTTP, "unix://" + dir.resolve("failing.sock"));
        // a unixs listener whose policy has no certificate: the TLS setup fails after the internal port is bound
        Listener noCertificate = new ForwardingListener(real, Optional.of(TlsPolicy.disabled(TlsRole.CLIENT)));

        GrizzlyListenerServer.Settings failing = new GrizzlyListenerServer.Settings("test-unix-failing", Duration.ofSeconds(30),
                4, 16, Duration.ZERO);

        assertThatThrownBy(() -> GrizzlyListenerServer.start(noCertificate, new TextHandler("x"), failing))
                .isInstanceOf(IllegalStateException.class);
        assertThat(real.channel().isOpen()).isFalse();
        assertThat(dir.resolve("failing.sock")).doesNotExist();
        Await.until("no threads of the failed server left", Duration.ofSeconds(10),
                () -> threads().noneMatch(n -> n.startsWith("test-unix-failing")));
    }

    @Test
    void aClosedUnixListenerFailsTheStart() throws Exception {
        Listener listener = unix("closed.sock");
        listener.close();
        assertThatThrownBy(() -> GrizzlyListenerServer.start(listener, new TextHandler("x"), SETTINGS))
                .isInstanceOf(IOException.class).hasMessageContaining(listener.url().toString()).hasMessageContaining("closed");
    }

    /** Echoes the request body with a Content-Length. */
    private static final class EchoHandler extends HttpHandler {
        @Override
        public void service(Request request, Response response) throws Exception {
            byte[] body = request.getInputStream().readAllBytes();
            response.setContentType("application/octet-stream");
            response.setContentLengthLong(body.length);
            response.getOutputStream().write(body);
        }
    }

    /** A listener as {@code delegate}, with another TLS policy. */
    private record ForwardingListener(Listener delegate, Optional<TlsPolicy> tls) implements Listener {
        @Override
        public URI url() {
            return delegate.url();
        }

        @Override
        public ListenerRole role() {
            return delegate.role();
        }

        @Override
        public SocketAddress localAddress() {
            return delegate.localAddress();
        }

        @Override
        public ServerSocketChannel channel() {
            return delegate.channel();
        }

        @Override
        public Duration readTimeout() {
            return delegate.readTimeout();
        }

        @Override
        public Duration writeTimeout() {
            return delegate.writeTimeout();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** One HTTP/1.1 response, read to the end of its body (Content-Length or chunked). */
    private record Reply(String status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, ISO_8859_1);
        }

        static Reply read(InputStream in) throws IOException {
            String status = line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h; !(h = line(in)).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
                return new Reply(status, headers, body.toByteArray());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
            }
            return new Reply(status, headers, body);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new EOFException("connection ended in a response head: " + b);
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }

    private static void write(SocketChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(ISO_8859_1));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** What a server sent before closing; a reset counts as closed (a refused connection may be reset). */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (SocketException reset) {
            // closed with our request unread: the kernel resets the connection
        }
        return got.toByteArray();
    }

    /** {@code curl -sS} with the given arguments: {@code "<status> <body>"}, or curl's exit and error. */
    private static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--max-time", "20",
                "-w", " %{http_code}"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("curl finished").isTrue();
        String text = new String(out, ISO_8859_1);
        if (p.exitValue() != 0) {
            return "curl exit " + p.exitValue() + ": " + text;
        }
        // body, a space, the status (-w): turned round to "<status> <body>"
        int split = text.lastIndexOf(' ');
        return text.substring(split + 1) + " " + text.substring(0, split);
    }

    private static java.util.stream.Stream<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName);
    }
}
