package io.ketcd.peer.internal;

import static io.ketcd.peer.internal.TestSupport.CLUSTER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.peer.GrizzlyPeerTransportFactory;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer endpoints' answers to good and bad requests, over raw sockets. */
class PeerHandlerTest {
    private static final long SELF = 0x1, PEER = 0x2, REMOVED = 0x3, STRANGER = 0x9;

    private RecordingReceiver receiver;
    private PeerTransportImpl transport;
    private int port;

    @BeforeEach
    void start() throws Exception {
        receiver = new RecordingReceiver(SELF, PEER);
        receiver.removed.add(REMOVED);
        transport = TestSupport.start(SELF, receiver);
        port = TestSupport.port(transport);
        transport.addPeer(PEER, List.of(URI.create("http://127.0.0.1:" + FreePorts.one())));
    }

    @AfterEach
    void stop() {
        transport.close();
    }

    /** A parsed HTTP response. */
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private Answer request(String method, String path, String headers, byte[] body) throws IOException {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        String head = method + " " + path + " HTTP/1.1\r\n" + headers
                + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
        req.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            req.write(body);
        }
        return parse(TestSupport.raw(port, req.toByteArray()));
    }

    private Answer request(String method, String path, long from, byte[] body) throws IOException {
        return request(method, path, TestSupport.peerHeaders(from), body);
    }

    static Answer parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        assertThat(end).as("a complete response head in %s", raw).isPositive();
        String[] lines = raw.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(end + 4));
    }

    private static byte[] message(MessageType type) {
        return Message.newBuilder().setType(type).setFrom(PEER).setTo(SELF).setTerm(1).build().toByteArray();
    }

    private void assertNothingDelivered() {
        assertThat(receiver.processed).isEmpty();
        assertThat(receiver.snapshots).isEmpty();
        assertThat(transport.receivedVia(PeerChannel.PIPELINE) + transport.receivedVia(PeerChannel.SNAPSHOT)).isZero();
    }

    @Test
    void aValidPipelinePostIsDelivered() throws Exception {
        Answer a = request("POST", "/raft", PEER, message(MessageType.MsgHeartbeat));
        assertThat(a.status()).isEqualTo(204);
        assertThat(a.header("X-Etcd-Cluster-ID")).isEqualTo("1000");
        assertThat(receiver.processed).extracting(Message::getType).containsExactly(MessageType.MsgHeartbeat);
    }

    @Test
    void wrongMethodsAre405WithAllow() throws Exception {
        for (String[] c : new String[][] {{"GET", "/raft", "POST"}, {"PUT", "/raft/snapshot", "POST"},
                {"POST", "/raft/stream/message/2", "GET"}, {"POST", "/version", "GET"}, {"DELETE", "/members", "GET"}}) {
            Answer a = request(c[0], c[1], PEER, c[0].equals("GET") ? null : new byte[0]);
            assertThat(a.status()).as("%s %s", c[0], c[1]).isEqualTo(405);
            assertThat(a.header("Allow")).isEqualTo(c[2]);
            assertThat(a.body()).isEqualTo("Method Not Allowed\n");
        }
        assertNothingDelivered();
    }

    @Test
    void aClusterIdMismatchIs412WithTheLocalClusterId() throws Exception {
        String wrong = TestSupport.peerHeaders(PEER).replace("X-Etcd-Cluster-ID: 1000", "X-Etcd-Cluster-ID: 999");
        for (String[] c : new String[][] {{"POST", "/raft"}, {"POST", "/raft/snapshot"}, {"GET", "/raft/stream/message/2"}}) {
            Answer a = request(c[0], c[1], wrong + "X-Raft-To: 1\r\n", c[0].equals("POST") ? message(MessageType.MsgApp) : null);
            assertThat(a.status()).as(c[1]).isEqualTo(412);
            assertThat(a.header("X-Etcd-Cluster-ID")).isEqualTo(Long.toHexString(CLUSTER_ID));
            assertThat(a.body()).isEqualTo("cluster ID mismatch\n");
        }
        assertNothingDelivered();
    }

    @Test
    void aRequestWithoutVersionHeadersIsIncompatible() throws Exception {
        Answer a = request("POST", "/raft", "Host: x\r\nX-Server-From: 2\r\nX-Etcd-Cluster-ID: 1000\r\nConnection: close\r\n",
                message(MessageType.MsgApp));
        assertThat(a.status()).isEqualTo(412);
        assertThat(a.body()).isEqualTo("incompatible version\n");
        assertNothingDelivered();
    }

    @Test
    void unknownSendersAre404AndRemovedOnes410() throws Exception {
        assertThat(request("POST", "/raft", STRANGER, message(MessageType.MsgApp))).satisfies(a -> {
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.body()).isEqualTo("error sender not found\n");
        });
        assertThat(request("GET", "/raft/stream/message/9", TestSupport.peerHeaders(STRANGER) + "X-Raft-To: 1\r\n", null))
                .satisfies(a -> {
                    assertThat(a.status()).isEqualTo(404);
                    assertThat(a.body()).isEqualTo("error sender not found\n");
                });
        assertThat(request("POST", "/raft/snapshot", STRANGER, Frames.encode(snapMessage()))).extracting(Answer::status).isEqualTo(404);
        assertThat(request("POST", "/raft", REMOVED, message(MessageType.MsgApp))).satisfies(a -> {
            assertThat(a.status()).isEqualTo(410);
            assertThat(a.body()).isEqualTo("removed member\n");
        });
        assertThat(request("GET", "/raft/stream/msgappv2/3", TestSupport.peerHeaders(REMOVED) + "X-Raft-To: 1\r\n", null))
                .extracting(Answer::status).isEqualTo(410);
        assertNothingDelivered();
    }

    @Test
    void aStreamAddressedToAnotherMemberIs412AndABadStreamPath404() throws Exception {
        Answer a = request("GET", "/raft/stream/message/2", TestSupport.peerHeaders(PEER) + "X-Raft-To: 5\r\n", null);
        assertThat(a.status()).isEqualTo(412);
        assertThat(a.body()).isEqualTo("to field mismatch\n");
        assertThat(a.header("X-Server-Version")).isEqualTo("3.4.23");
        assertThat(request("GET", "/raft/stream/msgapp/2", TestSupport.peerHeaders(PEER) + "X-Raft-To: 1\r\n", null))
                .satisfies(b -> {
                    assertThat(b.status()).isEqualTo(404);
                    assertThat(b.body()).isEqualTo("invalid path\n");
                });
        assertThat(request("GET", "/raft/stream/message/zz", TestSupport.peerHeaders(PEER) + "X-Raft-To: 1\r\n", null).body())
                .isEqualTo("invalid from\n");
        assertThat(transport.streamAttached(PEER, PeerChannel.STREAM_MESSAGE)).isFalse();
        assertNothingDelivered();
    }

    @Test
    void aGarbageBodyIs400() throws Exception {
        Answer a = request("POST", "/raft", PEER, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).isEqualTo("error unmarshalling raft message\n");
        assertNothingDelivered();
    }

    @Test
    void oversizedBodiesAndFramesAre400() throws Exception {
        String head = "POST /raft HTTP/1.1\r\n" + TestSupport.peerHeaders(PEER) + "Content-Length: " + (Frames.MAX_FRAME_BYTES + 1)
                + "\r\n\r\n";
        Answer a = parse(TestSupport.raw(port, head));
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).isEqualTo("error reading raft message\n");

        byte[] hugeFrame = {0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x08, 0x07};
        Answer s = request("POST", "/raft/snapshot", PEER, hugeFrame);
        assertThat(s.status()).isEqualTo(400);
        assertThat(s.body()).startsWith("failed to decode raft message (frame of 68719476736 bytes exceeds the limit");
        assertNothingDelivered();
    }

    @Test
    void aSnapshotRequestMustStartWithAMsgSnapAndEndWithItsMarker() throws Exception {
        byte[] app = Frames.encode(Message.newBuilder().setType(MessageType.MsgApp).setFrom(PEER).setTo(SELF).build());
        Answer wrongType = request("POST", "/raft/snapshot", PEER, app);
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.body()).isEqualTo("wrong raft message type\n");

        ByteArrayOutputStream truncated = new ByteArrayOutputStream();
        truncated.write(Frames.encode(snapMessage()));
        Frames.writeInt(truncated, 1000);
        truncated.write(new byte[400]); // the chunk announced 1000 bytes, the body ends after 400
        Answer cut = request("POST", "/raft/snapshot", PEER, truncated.toByteArray());
        assertThat(cut.status()).isEqualTo(400);
        assertThat(cut.body()).startsWith("failed to save KV snapshot (snapshot payload truncated");
        assertThat(receiver.snapshotErrors).singleElement().isInstanceOf(EOFException.class);

        Answer empty = request("POST", "/raft/snapshot", PEER, new byte[0]);
        assertThat(empty.status()).isEqualTo(400);
        assertNothingDelivered();
    }

    @Test
    void aReceiverStorageFailureIs500() throws Exception {
        receiver.snapshotSink = (m, in) -> {
            throw new IOException("disk full");
        };
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(Frames.encode(snapMessage()));
        Frames.writeInt(body, 0);
        Answer a = request("POST", "/raft/snapshot", PEER, body.toByteArray());
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body()).isEqualTo("failed to save KV snapshot (disk full)\n");
        assertNothingDelivered();
    }

    @Test
    void aBusyReceiverMakesThePipeline503() throws Exception {
        receiver.accept = false;
        Answer a = request("POST", "/raft", PEER, message(MessageType.MsgApp));
        assertThat(a.status()).isEqualTo(503);
        assertNothingDelivered();
    }

    @Test
    void nonHttpBytesCloseTheConnectionAndTheNextRequestIsServed() throws Exception {
        String garbage = TestSupport.raw(port, new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, '\r', '\n', '\r', '\n'});
        assertThat(garbage).satisfiesAnyOf(g -> assertThat(g).isEmpty(), g -> assertThat(g).startsWith("HTTP/1.1 400"));
        String text = TestSupport.raw(port, "NOT HTTP AT ALL\r\n\r\n");
        assertThat(text).satisfiesAnyOf(g -> assertThat(g).isEmpty(), g -> assertThat(g).startsWith("HTTP/1.1 4"),
                g -> assertThat(g).startsWith("HTTP/1.1 505")); // Grizzly: "AT ALL" is no HTTP version

        Answer v = request("GET", "/version", "Host: x\r\nConnection: close\r\n", null);
        assertThat(v.status()).isEqualTo(200);
        assertNothingDelivered();
    }

    @Test
    void versionProbingAndUnknownPathsAnswerAsEtcd() throws Exception {
        Answer v = request("GET", "/version", "Host: x\r\nConnection: close\r\n", null);
        assertThat(v.status()).isEqualTo(200);
        assertThat(v.header("Content-Type")).startsWith("application/json");
        assertThat(v.body()).isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");

        Answer p = request("GET", "/raft/probing", "Host: x\r\nConnection: close\r\n", null);
        assertThat(p.status()).isEqualTo(200);
        assertThat(p.body()).matches("\\{\"OK\":true,\"Now\":\"[0-9T:.\\-]+Z\"}\n");

        Answer none = request("GET", "/nothing", "Host: x\r\nConnection: close\r\n", null);
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.body()).isEqualTo("404 page not found\n");
    }

    @Test
    void membersAreEtcdsJson() throws Exception {
        receiver.memberList = List.of(
                Member.newBuilder().setID(3319814642761637952L).setName("n1").addPeerURLs("http://127.0.0.1:23800")
                        .addClientURLs("http://127.0.0.1:23790").build(),
                Member.newBuilder().setID(0xfffffffffffffff0L).addPeerURLs("http://10.0.0.2:2380").addPeerURLs("http://10.0.0.3:2380")
                        .setIsLearner(true).build());
        Answer a = request("GET", "/members", "Host: x\r\nConnection: close\r\n", null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.header("Content-Type")).startsWith("application/json");
        assertThat(a.header("X-Etcd-Cluster-ID")).isEqualTo("1000");
        // etcd 3.4.23 answers exactly this for the first member (checked against a running etcd)
        assertThat(a.body()).isEqualTo("[{\"id\":3319814642761637952,\"peerURLs\":[\"http://127.0.0.1:23800\"],\"name\":\"n1\","
                + "\"clientURLs\":[\"http://127.0.0.1:23790\"]},"
                + "{\"id\":18446744073709551600,\"peerURLs\":[\"http://10.0.0.2:2380\",\"http://10.0.0.3:2380\"],\"isLearner\":true}]\n");
        assertThat(MembersJson.parse(a.body())).isEqualTo(receiver.memberList);
    }

    @Test
    void fetchClusterAsksEachUrlInTurn() throws Exception {
        receiver.memberList = List.of(Member.newBuilder().setID(SELF).setName("self").addPeerURLs("http://127.0.0.1:" + port).build());
        URI dead = URI.create("http://127.0.0.1:" + FreePorts.one());
        TlsPolicy noTls = TlsPolicy.disabled(TlsRole.PEER);
        RemoteCluster cluster = new GrizzlyPeerTransportFactory().fetchCluster(List.of(dead, TestSupport.url(transport)),
                Duration.ofSeconds(5), noTls);
        assertThat(cluster.clusterId()).isEqualTo(CLUSTER_ID);
        assertThat(cluster.members()).isEqualTo(receiver.memberList);

        assertThatThrownBy(() -> new GrizzlyPeerTransportFactory().fetchCluster(List.of(dead), Duration.ofSeconds(2), noTls))
                .isInstanceOf(IOException.class).hasMessageContaining("could not retrieve cluster information").hasMessageContaining(dead.toString());
        Await.until("no fetch threads left", () -> TestSupport.peerThreads().stream().noneMatch(n -> n.startsWith("ketcd-peer-fetch")));
    }

    @Test
    void aListenerThatCannotBeServedFailsTheStartAndEveryListenerIsClosed() throws Exception {
        Listener first = TestSupport.listener();
        Listener closed = TestSupport.listener();
        Listener last = TestSupport.listener();
        closed.close(); // a socket that can no longer be served
        assertThatThrownBy(() -> new GrizzlyPeerTransportFactory().start(TestSupport.config(7), new RecordingReceiver(7),
                List.of(first, closed, last)))
                .isInstanceOf(IOException.class).hasMessageContaining(closed.url().toString()).hasMessageContaining("closed");
        for (Listener l : List.of(first, closed, last)) {
            assertThat(l.channel().isOpen()).as("%s closed", l.url()).isFalse();
        }
        assertThat(FreePorts.bindable(TestSupport.port(first))).isTrue();
        assertThat(FreePorts.bindable(TestSupport.port(last))).isTrue();
        Await.until("no threads of member 7 left", () -> TestSupport.peerThreads().stream().noneMatch(n -> n.startsWith("ketcd-peer-7-")));
    }

    @Test
    void aUnixListenerServesThePeerEndpoints(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("peer.sock");
        Listener unix = TestSupport.listener("unix://" + socket, TlsPolicy.disabled(TlsRole.PEER));
        PeerTransport t = new GrizzlyPeerTransportFactory(1).start(TestSupport.config(8), new RecordingReceiver(8), List.of(unix));
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            c.write(ByteBuffer.wrap("GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (c.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            assertThat(parse(out.toString(StandardCharsets.US_ASCII)).status()).isEqualTo(200);
        } finally {
            t.close();
        }
        assertThat(socket).as("the socket file goes with the transport").doesNotExist();
    }

    @Test
    void aTransportStartedByTheFactoryServesItsListenerAndClosesIt() throws Exception {
        RecordingReceiver r = new RecordingReceiver(5);
        Listener listener = TestSupport.listener();
        PeerTransport t = new GrizzlyPeerTransportFactory(1).start(TestSupport.config(5), r, List.of(listener));
        int p = TestSupport.port(listener);
        assertThat(parse(TestSupport.raw(p, "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).status()).isEqualTo(200);
        t.close();
        assertThat(listener.channel().isOpen()).isFalse();
        Await.until("port released", Duration.ofSeconds(5), () -> FreePorts.bindable(p));
    }

    private static Message snapMessage() {
        return Message.newBuilder().setType(MessageType.MsgSnap).setFrom(PEER).setTo(SELF).setTerm(1).build();
    }
}
