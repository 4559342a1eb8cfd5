package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import com.google.protobuf.ByteString;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's peer port given bad input: each request gets etcd's status code, nothing of it is
 * applied, and the member keeps serving with its data unchanged.
 */
class PeerPortBadInputTest {
    @TempDir
    Path dir;

    private EmbeddedEtcd etcd;
    private String peer;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        peer = "http://127.0.0.1:" + port;
        etcd = EmbeddedEtcd.start(Map.of(
                "data-dir", dir.resolve("node").toString(),
                "listen-client-urls", "http://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", peer,
                "initial-advertise-peer-urls", peer));
        etcd.server().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v")).build()).get(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private HttpResponse<String> post(String path, String from, String clusterId, byte[] body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(peer + path))
                .header("X-Server-From", from)
                .header("X-Server-Version", "3.4.23")
                .header("X-Min-Cluster-Version", "3.0.0")
                .header("X-Etcd-Cluster-ID", clusterId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private String self() {
        return Long.toHexString(etcd.server().memberId());
    }

    private String cluster() {
        return Long.toHexString(etcd.server().clusterId());
    }

    @Test
    void badPeerRequestsGetEtcdsAnswersAndChangeNothing() throws Exception {
        long revision = etcd.server().status().get(10, TimeUnit.SECONDS).getHeader().getRevision();
        byte[] heartbeat = Message.newBuilder().setType(MessageType.MsgHeartbeat).setFrom(etcd.server().memberId())
                .setTo(etcd.server().memberId()).build().toByteArray();

        HttpResponse<String> wrongCluster = post("/raft", self(), "1234", heartbeat);
        assertThat(wrongCluster.statusCode()).isEqualTo(412);
        assertThat(wrongCluster.headers().firstValue("X-Etcd-Cluster-ID")).contains(cluster());

        assertThat(post("/raft", "abcdef", cluster(), heartbeat).statusCode()).isEqualTo(404);
        assertThat(post("/raft", self(), cluster(), "garbage, not a message".getBytes(UTF_8)).statusCode())
                .isEqualTo(400);

        // a member's own id is no sender: a single member has no peer to take a message from
        assertThat(post("/raft", self(), cluster(), heartbeat).statusCode()).isEqualTo(400);
        // (corrupt and truncated snapshots from a real peer: PeerMessageBarrageTest)

        var after = etcd.server().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build())
                .get(10, TimeUnit.SECONDS);
        assertThat(after.getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
        assertThat(after.getHeader().getRevision()).isEqualTo(revision);
        assertThat(etcd.server().status().get(10, TimeUnit.SECONDS).getLeader()).isEqualTo(etcd.server().memberId());
        try (Stream<Path> files = Files.list(dir.resolve("node/member/snap"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".snap.db"));
        }
        etcd.server().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k2"))
                .setValue(ByteString.copyFromUtf8("v2")).build()).get(20, TimeUnit.SECONDS);
    }
}
