package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.testing.Await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A peer that answers the stream GET and then never sends a byte: the reader must give up and redial. */
class DeadPeerTest {
    private static final long A = 0xa1, F = 0xf1;

    private final ExecutorService fakeThreads = Executors.newCachedThreadPool();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final List<Long> dialNanos = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private volatile byte[] afterHeaders = new byte[0];
    private ServerSocket fake;
    private PeerTransportImpl a;

    @BeforeEach
    void startFakePeer() throws IOException {
        fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        fakeThreads.execute(() -> {
            while (!fake.isClosed()) {
                try {
                    Socket s = fake.accept();
                    held.add(s);
                    fakeThreads.execute(() -> answerAndGoSilent(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void answerAndGoSilent(Socket s) {
        try {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            String line = head.toString(StandardCharsets.ISO_8859_1).split("\r\n")[0];
            requestLines.add(line);
            if (line.startsWith("GET /raft/stream/")) {
                dialNanos.add(System.nanoTime());
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().write(afterHeaders);
                s.getOutputStream().flush();
            }
        } catch (IOException e) {
            // the reader hung up
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        fake.close();
        for (Socket s : held) {
            s.close();
        }
        fakeThreads.shutdownNow();
        assertThat(fakeThreads.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSilentStreamIsDroppedAfterTheReadTimeoutAndRedialled() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, F);
        a = TestSupport.start(A, ra);
        a.addPeer(F, List.of(URI.create("http://127.0.0.1:" + fake.getLocalPort())));

        Await.until("both streams dialled", () -> dialNanos.size() >= 2);
        Await.until("a considers f active", () -> a.activeSince(F).isPresent());
        Await.until("both streams redialled after the read timeout", Duration.ofSeconds(20), () -> dialNanos.size() >= 4);
        long gap = dialNanos.get(2) - dialNanos.get(0);
        assertThat(Duration.ofNanos(gap)).as("the reader waited for the read timeout before giving up")
                .isGreaterThanOrEqualTo(TestSupport.FAST.connReadTimeout().minusMillis(50));
        assertThat(requestLines).allMatch(l -> l.matches("GET /raft/stream/(message|msgappv2)/a1 HTTP/1.1"));
        assertThat(ra.processed).isEmpty();
    }

    @Test
    void anOversizedFrameOnAStreamClosesItAtOnce() throws Exception {
        // one chunk holding a frame header that announces 1 TiB
        afterHeaders = "8\r\n\u0000\u0000\u0001\u0000\u0000\u0000\u0000\u0000\r\n".getBytes(StandardCharsets.ISO_8859_1);
        RecordingReceiver ra = new RecordingReceiver(A, F);
        a = TestSupport.start(A, ra);
        a.addPeer(F, List.of(URI.create("http://127.0.0.1:" + fake.getLocalPort())));

        Await.until("streams redialled", () -> dialNanos.size() >= 4);
        assertThat(Duration.ofNanos(dialNanos.get(2) - dialNanos.get(0))).as("no wait for a read timeout")
                .isLessThan(TestSupport.FAST.connReadTimeout());
        assertThat(ra.processed).isEmpty();
    }
}
