package io.ketcd.host;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.testing.Await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Serving a listener's own channel. These tests pin how Grizzly 4.0.2 is made to accept on a
 * socket it did not bind (see {@code ChannelAdoption}): if an upgrade binds by itself again, the
 * start fails (the port is taken by the listener) or the listener's channel stays unregistered.
 * Unix domain socket listeners are in {@code GrizzlyListenerServerUnixTest}.
 */
class GrizzlyListenerServerTest {
    private static final GrizzlyListenerServer.Settings SETTINGS =
            new GrizzlyListenerServer.Settings("test-http", Duration.ofSeconds(30), 4, 16, Duration.ZERO);

    private GrizzlyListenerServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void servesTheListenersChannelWithoutBindingAgainAndClosingFreesThePort() throws Exception {
        Listener listener = TestListeners.open(ListenerRole.CLIENT_HTTP, "http://127.0.0.1:0");
        int port = TestListeners.port(listener);
        server = GrizzlyListenerServer.start(listener, new TextHandler("hello"), SETTINGS);

        assertThat(server.localAddress()).isEqualTo(listener.localAddress());
        assertThat(get(port, "/anything")).startsWith("HTTP/1.1 200 OK").endsWith("hello");
        // the listener's own channel is what Grizzly's selector accepts on
        assertThat(listener.channel().isRegistered()).isTrue();
        assertThat(listener.channel().isBlocking()).isFalse();

        server.close();
        assertThat(listener.channel().isOpen()).isFalse();
        TestListeners.awaitBindable(port, Duration.ofSeconds(5));
        server.close(); // idempotent
        server = null;
    }

    @Test
    void aPeerListenersFiveSecondReadTimeoutBoundsABlockingBodyRead() throws Exception {
        BodyReadingHandler reader = new BodyReadingHandler();
        Listener listener = TestListeners.open(ListenerRole.PEER, "http://127.0.0.1:0");
        assertThat(listener.readTimeout()).isEqualTo(Duration.ofSeconds(5));
        server = GrizzlyListenerServer.start(listener, reader, SETTINGS);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), TestListeners.port(listener))) {
            OutputStream out = s.getOutputStream();
            // 10 bytes announced, 2 sent: the handler blocks for the rest
            out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab".getBytes(ISO_8859_1));
            out.flush();
            long t0 = System.nanoTime();
            Throwable failure = reader.outcome().get(15, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(failure).as("the blocked read fails").isNotNull();
            assertThat(millis).isBetween(4_500L, 10_000L);
        }
    }

    @Test
    void closeStopsAcceptingAndLetsARequestInFlightFinishWithinTheGrace() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpHandler slow = new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws Exception {
                entered.countDown();
                release.await(10, TimeUnit.SECONDS);
                response.setContentType("text/plain");
                response.getWriter().write("finished");
            }
        };
        Listener listener = TestListeners.open(ListenerRole.CLIENT_HTTP, "http://127.0.0.1:0");
        int port = TestListeners.port(listener);
        server = GrizzlyListenerServer.start(listener, slow,
                new GrizzlyListenerServer.Settings("test-http", Duration.ofSeconds(30), 4, 16, Duration.ofSeconds(10)));
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return get(port, "/slow");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Await.until("new connections refused", Duration.ofSeconds(5), () -> !connectable(port));
        assertThat(closing).isNotDone();
        release.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 OK").endsWith("finished");
        closing.get(10, TimeUnit.SECONDS);
        assertThat(listener.channel().isOpen()).isFalse();
        server = null;
    }

    private static boolean connectable(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void aClosedListenerFailsTheStart() throws Exception {
        Listener listener = TestListeners.open(ListenerRole.CLIENT_HTTP, "http://127.0.0.1:0");
        listener.close();
        assertThatThrownBy(() -> GrizzlyListenerServer.start(listener, new TextHandler("x"), SETTINGS))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    private static String get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), ISO_8859_1);
        }
    }
}
