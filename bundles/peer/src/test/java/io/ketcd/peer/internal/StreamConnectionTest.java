package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stream reader's own HTTP/1.1 GET, against a server socket that answers canned bytes. */
class StreamConnectionTest {
    private static final Duration DIAL = Duration.ofSeconds(5);

    private ServerSocket server;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    private PeerClient client(Duration dialTimeout) {
        return PeerClient.create(TlsPolicy.disabled(TlsRole.PEER), dialTimeout, Runnable::run);
    }

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        timers.shutdownNow();
    }

    /** Accepts one connection, returns the request head it read, and writes {@code answer}. */
    private CompletableFuture<String> answer(byte[] answer, boolean thenHold) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    head.write(b);
                }
                s.getOutputStream().write(answer);
                s.getOutputStream().flush();
                if (thenHold) {
                    in.read(); // until the client closes
                }
                return head.toString(StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private StreamConnection open(Duration readTimeout) throws IOException {
        return open(DIAL, readTimeout);
    }

    private StreamConnection open(Duration dialTimeout, Duration readTimeout) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Server-From", "a1");
        headers.put("X-Raft-To", "b2");
        return client(dialTimeout).openStream(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/raft/stream/message/a1"),
                headers, readTimeout, timers);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void sendsTheGetWithItsHeadersAndDecodesAChunkedBodyAcrossChunkBoundaries() throws Exception {
        Message first = Message.newBuilder().setType(MessageType.MsgApp).setFrom(1).setTo(2).setIndex(7).build();
        Message second = Message.newBuilder().setType(MessageType.MsgHeartbeat).setFrom(1).setTo(2).setCommit(5).build();
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        Frames.write(frames, first);
        Frames.write(frames, second);
        byte[] body = frames.toByteArray();
        // chunks that split the first frame's length and body, one with an extension, then trailers
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(bytes("HTTP/1.1 200 OK\r\nX-Server-Version: 3.4.23\r\nTransfer-Encoding: chunked\r\n\r\n"));
        int[] cuts = {0, 3, 11, body.length};
        for (int i = 0; i + 1 < cuts.length; i++) {
            int n = cuts[i + 1] - cuts[i];
            wire.write(bytes(Integer.toHexString(n) + (i == 1 ? ";ext=1" : "") + "\r\n"));
            wire.write(body, cuts[i], n);
            wire.write(bytes("\r\n"));
        }
        wire.write(bytes("0\r\nX-Trailer: t\r\n\r\n"));
        CompletableFuture<String> request = answer(wire.toByteArray(), false);

        try (StreamConnection c = open(DIAL)) {
            assertThat(c.status()).isEqualTo(200);
            assertThat(Frames.read(c.body())).isEqualTo(first);
            assertThat(Frames.read(c.body())).isEqualTo(second);
            assertThat(Frames.read(c.body())).as("the zero chunk ends the body").isNull();
        }
        assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("GET /raft/stream/message/a1 HTTP/1.1\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n", "\r\nX-Server-From: a1\r\n", "\r\nX-Raft-To: b2\r\n",
                        "\r\nConnection: close\r\n");
    }

    @Test
    void anErrorAnswerKeepsItsStatusAndItsContentLengthBody() throws Exception {
        answer(bytes("HTTP/1.1 412 Precondition Failed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\n\r\n"
                + "cluster ID mismatch\nnot part of the body"), true);
        try (StreamConnection c = open(DIAL)) {
            assertThat(c.status()).isEqualTo(412);
            assertThat(new String(c.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("cluster ID mismatch\n");
        }
    }

    @Test
    void aSilentPeerTimesTheReadOut() throws Exception {
        answer(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), true);
        try (StreamConnection c = open(Duration.ofMillis(200))) {
            assertThatThrownBy(() -> c.body().read()).isInstanceOf(SocketTimeoutException.class).hasMessage("no data for 200 ms");
        }
    }

    @Test
    void aPeerThatTakesTheConnectionButNeverAnswersTimesTheDialOut() {
        // the listen backlog accepts the connection; nobody reads the request or answers
        assertThatThrownBy(() -> open(Duration.ofMillis(300), Duration.ofSeconds(30))).isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("within the dial timeout of 300 ms");
    }

    @Test
    void closeFromAnotherThreadBreaksABlockedRead() throws Exception {
        answer(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), true);
        StreamConnection c = open(Duration.ofSeconds(30));
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return c.body().read();
            } catch (IOException e) {
                return -2;
            }
        });
        c.close();
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-2);
    }

    @Test
    void garbageInsteadOfAnHttpAnswerIsAnErrorNamingIt() {
        answer(bytes("SSH-2.0-OpenSSH_9.2\r\n"), false);
        assertThatThrownBy(() -> open(DIAL)).isInstanceOf(IOException.class).hasMessageContaining("did not answer with HTTP/1.x")
                .hasMessageContaining("SSH-2.0");
    }

    @Test
    void aConnectionClosedInsideTheHeadOrAChunkIsAnEndOfFile() throws Exception {
        answer(bytes("HTTP/1.1 200 OK\r\nTransfer-Enc"), false);
        assertThatThrownBy(() -> open(DIAL)).isInstanceOf(EOFException.class);

        InputStream truncated = new StreamConnection.ChunkedBody(new ByteArrayInputStream(bytes("a\r\n01234")));
        assertThat(truncated.readNBytes(5)).hasSize(5);
        assertThatThrownBy(truncated::read).isInstanceOf(EOFException.class);
    }

    @Test
    void aBadChunkSizeOrAChunkWithoutItsCrlfIsRefused() {
        assertThatThrownBy(() -> new StreamConnection.ChunkedBody(new ByteArrayInputStream(bytes("zz\r\n"))).read())
                .isInstanceOf(IOException.class).hasMessageContaining("bad chunk size");
        assertThatThrownBy(() -> new StreamConnection.ChunkedBody(new ByteArrayInputStream(bytes("1\r\nab\r\n0\r\n\r\n"))).readAllBytes())
                .isInstanceOf(IOException.class).hasMessageContaining("does not end with CRLF");
    }

    @Test
    void anIpv6PeerUrlIsDialedWithoutItsBracketsAndNamedWithThemInTheHostHeader() throws Exception {
        server.close();
        server = new ServerSocket(0, 1, java.net.InetAddress.getByName("::1"));
        CompletableFuture<String> request = answer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false);
        try (StreamConnection c = client(DIAL).openStream(URI.create("http://[::1]:" + server.getLocalPort() + "/raft/stream/msgappv2/a1"),
                Map.of(), DIAL, timers)) {
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.body().read()).isEqualTo(-1);
        }
        assertThat(request.get(5, TimeUnit.SECONDS)).contains("\r\nHost: [::1]:" + server.getLocalPort() + "\r\n");
    }

    @Test
    void aClosingTransportDialsNothing() {
        timers.shutdownNow();
        assertThatThrownBy(() -> open(DIAL)).isInstanceOf(IOException.class).hasMessageContaining("the peer transport is closing");
    }

    @Test
    void anHttpsUrlWithoutPeerTlsIsNeverDialed() {
        assertThatThrownBy(() -> client(DIAL).openStream(URI.create("https://127.0.0.1:" + server.getLocalPort()
                + "/raft/stream/message/a1"), Map.of(), DIAL, timers)).isInstanceOf(IOException.class).hasMessageContaining("needs peer TLS");
    }
}
