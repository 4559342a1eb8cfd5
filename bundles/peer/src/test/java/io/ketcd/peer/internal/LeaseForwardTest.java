package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** etcd's forwarded lease requests: {@code POST /leases} and {@code /leases/internal} on the leader's peer port, and the follower's client. */
class LeaseForwardTest {
    private static final long LEADER = 0xa, FOLLOWER = 0xb;

    private final List<PeerTransportImpl> started = new ArrayList<>();
    private RecordingReceiver leaderReceiver;
    private PeerTransportImpl leader;
    private PeerTransportImpl follower;
    private final HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        leaderReceiver = new RecordingReceiver(LEADER, FOLLOWER);
        leader = start(LEADER, leaderReceiver);
        follower = start(FOLLOWER, new RecordingReceiver(LEADER, FOLLOWER));
        follower.addPeer(LEADER, List.of(TestSupport.url(leader)));
    }

    @AfterEach
    void stop() {
        started.forEach(PeerTransportImpl::close);
    }

    private PeerTransportImpl start(long id, RecordingReceiver receiver) throws IOException {
        PeerTransportImpl t = PeerTransportImpl.start(TestSupport.config(id), receiver, List.of(TestSupport.listener()),
                TestSupport.FAST, id);
        started.add(t);
        return t;
    }

    private static EtcdError failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return ((EtcdException) LeaderForwarding.unwrap(e)).error();
        }
        throw new AssertionError("expected a failure");
    }

    private HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
        return raw.send(HttpRequest.newBuilder(TestSupport.url(leader).resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aRenewIsAnsweredByTheLeadersReceiver() throws Exception {
        leaderReceiver.renew = id -> CompletableFuture.completedFuture(id == 7 ? 30L : -1L);
        assertThat(follower.renewLease(LEADER, 7).get(10, TimeUnit.SECONDS)).isEqualTo(30);
        assertThat(follower.renewLease(LEADER, 8).get(10, TimeUnit.SECONDS)).isEqualTo(-1);
    }

    @Test
    void theLeadersErrorsComeBackAsEtcdsStatusesAndErrors() throws Exception {
        leaderReceiver.renew = id -> CompletableFuture.failedFuture(EtcdError.LEASE_NOT_FOUND.exception());
        assertThat(failure(follower.renewLease(LEADER, 7))).isEqualTo(EtcdError.LEASE_NOT_FOUND);
        HttpResponse<byte[]> notFound = post("/leases", LeaseKeepAliveRequest.newBuilder().setID(7).build().toByteArray());
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(new String(notFound.body())).isEqualTo("lease not found\n");

        leaderReceiver.renew = id -> CompletableFuture.failedFuture(EtcdError.TIMEOUT_WAIT_APPLIED_INDEX.exception());
        assertThat(failure(follower.renewLease(LEADER, 7))).isEqualTo(EtcdError.TIMEOUT);
        assertThat(post("/leases", LeaseKeepAliveRequest.newBuilder().setID(7).build().toByteArray()).statusCode()).isEqualTo(408);

        leaderReceiver.renew = id -> CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        assertThat(failure(follower.renewLease(LEADER, 7))).isEqualTo(EtcdError.NOT_LEADER);
        assertThat(post("/leases", LeaseKeepAliveRequest.newBuilder().setID(7).build().toByteArray()).statusCode()).isEqualTo(400);
    }

    @Test
    void aTimeToLiveCarriesTheKeys() throws Exception {
        leaderReceiver.timeToLive = r -> CompletableFuture.completedFuture(LeaseTimeToLiveResponse.newBuilder()
                .setID(r.getID()).setTTL(12).setGrantedTTL(60).addKeys(ByteString.copyFromUtf8("k")).build());
        LeaseTimeToLiveResponse r = follower.leaseTimeToLive(LEADER, LeaseTimeToLiveRequest.newBuilder().setID(5).setKeys(true)
                .build()).get(10, TimeUnit.SECONDS);
        assertThat(r.getTTL()).isEqualTo(12);
        assertThat(r.getKeysList()).containsExactly(ByteString.copyFromUtf8("k"));
        leaderReceiver.timeToLive = req -> CompletableFuture.failedFuture(EtcdError.LEASE_NOT_FOUND.exception());
        assertThat(failure(follower.leaseTimeToLive(LEADER, LeaseTimeToLiveRequest.newBuilder().setID(5).build())))
                .isEqualTo(EtcdError.LEASE_NOT_FOUND);
    }

    @Test
    void badRequestsGetEtcdsAnswers() throws Exception {
        HttpResponse<byte[]> garbage = post("/leases/internal", new byte[] {(byte) 0xff, 0x01});
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(new String(garbage.body())).isEqualTo("error unmarshalling request\n");
        HttpResponse<String> get = raw.send(HttpRequest.newBuilder(TestSupport.url(leader).resolve("/leases")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        // an answer decodes as etcd's message
        leaderReceiver.renew = id -> CompletableFuture.completedFuture(9L);
        HttpResponse<byte[]> ok = post("/leases", LeaseKeepAliveRequest.newBuilder().setID(3).build().toByteArray());
        assertThat(ok.headers().firstValue("Content-Type")).contains("application/protobuf");
        assertThat(LeaseKeepAliveResponse.parseFrom(ok.body())).isEqualTo(LeaseKeepAliveResponse.newBuilder().setID(3).setTTL(9).build());
    }

    @Test
    void anUnknownLeaderIsNoLeaderAndAStoppedOneATimeout() throws Exception {
        assertThat(failure(follower.renewLease(0xdead, 7))).isEqualTo(EtcdError.NO_LEADER);
        leader.close();
        assertThat(failure(follower.renewLease(LEADER, 7))).isEqualTo(EtcdError.TIMEOUT);
    }

    @Test
    void aBodyThatArrivesAfterItsHeadersIsReadOnceItHas() throws Exception {
        leaderReceiver.renew = id -> CompletableFuture.completedFuture(9L);
        byte[] renew = LeaseKeepAliveRequest.newBuilder().setID(3).build().toByteArray();
        URI url = TestSupport.url(leader);
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RawAnswer ok = postLate(socket, in, "/leases", renew);
            assertThat(ok.status).isEqualTo(200);
            assertThat(LeaseKeepAliveResponse.parseFrom(ok.body)).isEqualTo(LeaseKeepAliveResponse.newBuilder().setID(3).setTTL(9).build());

            // a late body that is not a request gets etcd's answer, on the same connection
            RawAnswer bad = postLate(socket, in, "/leases", new byte[] {(byte) 0xff, 0x01});
            assertThat(bad.status).isEqualTo(400);
            assertThat(new String(bad.body, StandardCharsets.UTF_8)).isEqualTo("error unmarshalling request\n");
        }
        // a client that leaves in the middle of a body costs the leader nothing it keeps: others are answered
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.getOutputStream().write(head("/leases", renew.length));
            socket.getOutputStream().write(renew, 0, 1);
            socket.getOutputStream().flush();
        }
        assertThat(LeaseKeepAliveResponse.parseFrom(post("/leases", renew).body()).getTTL()).isEqualTo(9);
    }

    /**
     * POSTs {@code body} on {@code socket} with its first byte sent with the headers and the rest
     * only once nothing has been answered for 300 ms (so the handler has run before the body is
     * complete), and reads the answer.
     */
    private static RawAnswer postLate(Socket socket, InputStream in, String path, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(head(path, body.length));
        out.write(body, 0, 1);
        out.flush();
        socket.setSoTimeout(300);
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        socket.setSoTimeout(10_000);
        out.write(body, 1, body.length - 1);
        out.flush();
        return RawAnswer.read(in);
    }

    private static byte[] head(String path, int length) {
        return ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/protobuf\r\nContent-Length: "
                + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** An HTTP/1.1 answer read off a socket: status and a body of its Content-Length. */
    private record RawAnswer(int status, byte[] body) {
        static RawAnswer read(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("answer ended in its head: " + head);
                }
                head.append((char) b);
            }
            String[] lines = head.toString().split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            int length = 0;
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            return new RawAnswer(status, in.readNBytes(length));
        }
    }
}
