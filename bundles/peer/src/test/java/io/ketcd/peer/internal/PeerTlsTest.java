package io.ketcd.peer.internal;

import static io.ketcd.peer.internal.TestSupport.CLUSTER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.peer.GrizzlyPeerTransportFactory;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.testing.Await;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TestPki;
import io.ketcd.tls.TlsSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer transport over {@code https}: listeners secured by the peer policy, members dialing
 * each other with their peer certificates (mutual TLS), as etcd's {@code --peer-client-cert-auth}.
 */
class PeerTlsTest {
    private static final long A = 0xa1, B = 0xb2, M = 0xee;

    @TempDir
    Path dir;
    /** The cluster's CA, and one whose certificates the cluster does not trust. */
    private TestPki ca, otherCa;

    private final List<PeerTransportImpl> transports = new ArrayList<>();
    private final CapturedLog log = new CapturedLog();

    @AfterEach
    void closeAll() {
        log.close();
        transports.forEach(PeerTransportImpl::close);
        Await.until("no ketcd-peer thread left", Duration.ofSeconds(10), () -> TestSupport.peerThreads().isEmpty());
    }

    @BeforeEach
    void issueCas() {
        ca = TestPki.create(dir.resolve("cluster"), "ketcd peer CA");
        otherCa = TestPki.create(dir.resolve("other"), "another CA");
    }

    /** A member's peer policy: a certificate of the cluster's CA, trusting that CA, peer-client-cert-auth. */
    private TlsPolicy memberPolicy(String name) {
        return peerPolicy(ca.leaf(name).write(), ca);
    }

    /** The tls bundle's peer policy serving and dialing with {@code leaf}, trusting and requiring certificates of {@code trusted}. */
    private static TlsPolicy peerPolicy(TestPki.Leaf leaf, TestPki trusted) {
        return new FileTlsPolicy(TlsSettings.from(TlsRole.PEER, Map.of(
                "peer-cert-file", leaf.certFile().toString(), "peer-key-file", leaf.keyFile().toString(),
                "peer-trusted-ca-file", trusted.caFile().toString(), "peer-client-cert-auth", "true"), Map.of()));
    }

    private PeerTransportImpl member(long id, RecordingReceiver receiver, TlsPolicy policy) throws IOException {
        PeerTransportImpl t = PeerTransportImpl.start(TestSupport.config(id, policy), receiver,
                List.of(TestSupport.listener("https://127.0.0.1:0", policy)), TestSupport.FAST, id);
        transports.add(t);
        return t;
    }

    private static URI https(PeerTransportImpl t) {
        return URI.create("https://127.0.0.1:" + TestSupport.port(t));
    }

    private static List<Message> messages(long from, long to, int count) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MessageType type = i % 2 == 0 ? MessageType.MsgApp : MessageType.MsgHeartbeat;
            out.add(Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(2).setIndex(i + 1).setCommit(i).build());
        }
        return out;
    }

    @Test
    void twoMembersExchangeRaftMessagesOverMutualTls() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = member(A, ra, memberPolicy("a")), b = member(B, rb, memberPolicy("b"));
        a.addPeer(B, List.of(https(b)));
        b.addPeer(A, List.of(https(a)));
        Await.until("streams attached both ways", () -> a.streamAttached(B, PeerChannel.STREAM_MESSAGE) && a.streamAttached(B, PeerChannel.STREAM_MSGAPP)
                && b.streamAttached(A, PeerChannel.STREAM_MESSAGE) && b.streamAttached(A, PeerChannel.STREAM_MSGAPP));

        a.send(messages(A, B, 50));
        b.send(messages(B, A, 50));
        Await.until("50 messages each way", () -> rb.processed.size() == 50 && ra.processed.size() == 50);
        assertThat(rb.processed).extracting(Message::getIndex).containsExactlyInAnyOrderElementsOf(
                messages(A, B, 50).stream().map(Message::getIndex).toList());
        assertThat(a.activeSince(B)).isPresent();
        assertThat(b.activeSince(A)).isPresent();
        // the peer port speaks TLS only: a plain request gets no HTTP answer
        assertThat(TestSupport.raw(TestSupport.port(b), "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .doesNotContain("etcdserver");
    }

    @Test
    void aMemberWhoseCertificateComesFromAnotherCaCannotConnectAndItIsLoggedOnce() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, M), rm = new RecordingReceiver(A, M);
        PeerTransportImpl a = member(A, ra, memberPolicy("a"));
        // the intruder trusts the cluster's CA, so only a's refusal of its certificate stands in the way
        TlsPolicy intruderPolicy = peerPolicy(otherCa.leaf("intruder").write(), ca);
        PeerTransportImpl m = member(M, rm, intruderPolicy);
        a.addPeer(M, List.of(https(m)));
        m.addPeer(A, List.of(https(a)));

        m.send(messages(M, A, 20));
        PeerStatus toA = m.peer(A).status();
        Await.until("the intruder failed to reach a 10 times", () -> toA.failures() >= 10);
        assertThat(ra.processed).isEmpty();
        assertThat(a.streamAttached(M, PeerChannel.STREAM_MESSAGE) || a.streamAttached(M, PeerChannel.STREAM_MSGAPP)).isFalse();
        assertThat(m.activeSince(A)).isEmpty();
        assertThat(log.linesContaining(Ids.hex(M) + ": cannot reach peer " + Ids.hex(A))).hasSize(1);
    }

    @Test
    void anHttpsPeerUrlWithoutPeerTlsFailsClearlyAndIsLoggedOnce() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl b = member(B, rb, memberPolicy("b"));
        PeerTransportImpl a = TestSupport.start(A, ra); // no peer TLS
        transports.add(a);
        a.addPeer(B, List.of(https(b)));

        a.send(messages(A, B, 20));
        PeerStatus toB = a.peer(B).status();
        Await.until("a failed to reach b 10 times", () -> toB.failures() >= 10);
        assertThat(rb.processed).isEmpty();
        List<String> logged = log.linesContaining(Ids.hex(A) + ": cannot reach peer " + Ids.hex(B));
        assertThat(logged).singleElement().asString().contains("https://127.0.0.1:" + TestSupport.port(b))
                .contains("needs peer TLS").contains("peer-cert-file");
    }

    @Test
    void fetchClusterOverHttps() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A);
        ra.memberList = List.of(Member.newBuilder().setID(A).setName("a").addPeerURLs("https://127.0.0.1:2380").build());
        PeerTransportImpl a = member(A, ra, memberPolicy("a"));
        GrizzlyPeerTransportFactory factory = new GrizzlyPeerTransportFactory();

        RemoteCluster cluster = factory.fetchCluster(List.of(https(a)), Duration.ofSeconds(5), memberPolicy("joiner"));
        assertThat(cluster.clusterId()).isEqualTo(CLUSTER_ID);
        assertThat(cluster.members()).isEqualTo(ra.memberList);

        assertThatThrownBy(() -> factory.fetchCluster(List.of(https(a)), Duration.ofSeconds(5), TlsPolicy.disabled(TlsRole.PEER)))
                .isInstanceOf(IOException.class).hasMessageContaining("needs peer TLS");
        TlsPolicy stranger = peerPolicy(otherCa.leaf("stranger").write(), ca);
        assertThatThrownBy(() -> factory.fetchCluster(List.of(https(a)), Duration.ofSeconds(5), stranger))
                .isInstanceOf(IOException.class).hasMessageContaining("could not retrieve cluster information");
    }

    /** Copies what slf4j-simple writes (to System.err, looked up per line) while a test runs. */
    private static final class CapturedLog implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

        CapturedLog() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    original.write(b);
                    synchronized (captured) {
                        captured.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    original.write(b, off, len);
                    synchronized (captured) {
                        captured.write(b, off, len);
                    }
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        List<String> linesContaining(String text) {
            String all;
            synchronized (captured) {
                all = captured.toString(StandardCharsets.UTF_8);
            }
            return all.lines().filter(l -> l.contains(text)).toList();
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
