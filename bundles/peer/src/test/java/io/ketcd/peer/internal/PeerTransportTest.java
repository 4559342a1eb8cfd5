package io.ketcd.peer.internal;

import static io.ketcd.peer.internal.TestSupport.start;
import static io.ketcd.peer.internal.TestSupport.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;

import com.google.protobuf.ByteString;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeerTransportTest {
    private static final long A = 0xa1, B = 0xb2, C = 0xc3;
    private final List<PeerTransportImpl> transports = new ArrayList<>();

    @AfterEach
    void closeAll() {
        transports.forEach(PeerTransportImpl::close);
        Await.until("no ketcd-peer thread left", Duration.ofSeconds(10), () -> TestSupport.peerThreads().isEmpty());
    }

    private PeerTransportImpl node(long id, RecordingReceiver r) throws Exception {
        PeerTransportImpl t = start(id, r);
        transports.add(t);
        return t;
    }

    private static void connect(PeerTransportImpl a, long aId, PeerTransportImpl b, long bId) {
        a.addPeer(bId, List.of(url(b)));
        b.addPeer(aId, List.of(url(a)));
    }

    private static void awaitStreams(PeerTransportImpl t, long peer) {
        Await.until("streams of " + Long.toHexString(peer) + " attached", () -> t.streamAttached(peer, PeerChannel.STREAM_MESSAGE)
                && t.streamAttached(peer, PeerChannel.STREAM_MSGAPP));
    }

    /** Every message type raft sends to a peer (MsgSnap goes through sendSnapshot), with a sequence number in {@code index}. */
    private static List<Message> everyKind(long from, long to, int count) {
        List<MessageType> kinds = new ArrayList<>();
        for (MessageType t : MessageType.values()) {
            if (t != MessageType.MsgSnap && t != MessageType.UNRECOGNIZED) {
                kinds.add(t);
            }
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MessageType type = kinds.get(i % kinds.size());
            Message.Builder m = Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(3).setIndex(i + 1);
            if (type == MessageType.MsgApp) {
                m.addEntries(Entry.newBuilder().setTerm(3).setIndex(i + 1).setData(ByteString.copyFromUtf8("entry " + i)));
            }
            if (type == MessageType.MsgHeartbeat) {
                m.setCommit(i); // a raft heartbeat is never mistaken for a link heartbeat
            }
            out.add(m.build());
        }
        return out;
    }

    @Test
    void pipelineCarriesMessagesBeforeStreamsAttach() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        a.addPeer(B, List.of(url(b))); // b does not know a: no stream reaches a, a's messages to b take the pipeline

        List<Message> sent = everyKind(A, B, 40);
        a.send(sent);

        Await.until("40 messages at b", () -> rb.processed.size() == 40);
        assertThat(rb.processed).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(b.receivedVia(PeerChannel.PIPELINE)).isEqualTo(40);
        Await.until("a counted 40 answered posts", () -> a.sentVia(PeerChannel.PIPELINE) == 40);
        assertThat(b.receivedVia(PeerChannel.STREAM_MESSAGE) + b.receivedVia(PeerChannel.STREAM_MSGAPP)).isZero();
        // (a's status of b flaps here: posts succeed while a's stream readers get 404 from b, which does not know a)
        assertThat(ra.unreachable).isEmpty();
    }

    @Test
    void aPipelinePostAfterTheServerDroppedAnIdleConnectionStillArrives() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        a.addPeer(B, List.of(url(b)));
        a.send(everyKind(A, B, 4));
        Await.until("4 messages at b", () -> rb.processed.size() == 4);
        // b's listener drops keep-alive connections idle for longer than its idle timeout (1 s here)
        long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
        Await.until("idle period", () -> System.nanoTime() > until);
        a.send(everyKind(A, B, 4));
        Await.until("4 more messages at b", () -> rb.processed.size() == 8);
        assertThat(ra.unreachable).isEmpty();
    }

    @Test
    void streamsCarryMsgAppOnMsgAppV2AndTheRestOnTheMessageStreamInOrder() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        connect(a, A, b, B);
        awaitStreams(a, B);
        awaitStreams(b, A);
        assertThat(a.activeSince(B)).isPresent();
        assertThat(b.activeSince(A)).isPresent();

        List<Message> sent = everyKind(A, B, 2300);
        for (int i = 0; i < sent.size(); i += 100) {
            a.send(sent.subList(i, Math.min(sent.size(), i + 100)));
        }
        Await.until("all messages at b", () -> rb.processed.size() == sent.size());

        List<Message> apps = sent.stream().filter(m -> m.getType() == MessageType.MsgApp).toList();
        List<Message> others = sent.stream().filter(m -> m.getType() != MessageType.MsgApp).toList();
        assertThat(rb.processedOf(m -> m.getType() == MessageType.MsgApp)).containsExactlyElementsOf(apps);
        assertThat(rb.processedOf(m -> m.getType() != MessageType.MsgApp)).containsExactlyElementsOf(others);
        assertThat(b.receivedVia(PeerChannel.STREAM_MSGAPP)).isEqualTo(apps.size());
        assertThat(b.receivedVia(PeerChannel.STREAM_MESSAGE)).isEqualTo(others.size());
        assertThat(b.receivedVia(PeerChannel.PIPELINE)).isZero();
        assertThat(ra.unreachable).isEmpty();

        // and the other way round
        List<Message> back = everyKind(B, A, 50);
        b.send(back);
        Await.until("50 messages at a", () -> ra.processed.size() == 50);
        assertThat(ra.processedOf(m -> m.getType() == MessageType.MsgApp))
                .containsExactlyElementsOf(back.stream().filter(m -> m.getType() == MessageType.MsgApp).toList());
        assertThat(ra.processedOf(m -> m.getType() != MessageType.MsgApp))
                .containsExactlyElementsOf(back.stream().filter(m -> m.getType() != MessageType.MsgApp).toList());
    }

    @Test
    void threeMembersTalkToEachOther() throws Exception {
        long[] ids = {A, B, C};
        RecordingReceiver[] rs = new RecordingReceiver[3];
        PeerTransportImpl[] ts = new PeerTransportImpl[3];
        for (int i = 0; i < 3; i++) {
            rs[i] = new RecordingReceiver(ids);
            ts[i] = node(ids[i], rs[i]);
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    ts[i].addPeer(ids[j], List.of(url(ts[j])));
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    awaitStreams(ts[i], ids[j]);
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    ts[i].send(everyKind(ids[i], ids[j], 100));
                }
            }
        }
        for (int j = 0; j < 3; j++) {
            RecordingReceiver r = rs[j];
            Await.until("200 messages at " + j, () -> r.processed.size() == 200);
            for (int i = 0; i < 3; i++) {
                if (i != j) {
                    long from = ids[i];
                    assertThat(r.processedOf(m -> m.getFrom() == from && m.getType() != MessageType.MsgApp))
                            .containsExactlyElementsOf(everyKind(from, ids[j], 100).stream()
                                    .filter(m -> m.getType() != MessageType.MsgApp).toList());
                }
            }
            assertThat(ts[j].receivedVia(PeerChannel.PIPELINE)).isZero();
        }
    }

    @Test
    void aPeerThatIsDownDropsMessagesAndReportsItUnreachableThenReconnects() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra);
        int bPort = FreePorts.one();
        URI bUrl = URI.create("http://127.0.0.1:" + bPort);
        a.addPeer(B, List.of(bUrl));

        a.send(everyKind(A, B, 1000)); // nobody listens: the pipeline queue (64) overflows at once
        assertThat(ra.unreachable.size()).isGreaterThanOrEqualTo(1000 - Pipeline.QUEUE_BOUND - Pipeline.CONNECTIONS);
        assertThat(ra.unreachable).containsOnly(B);
        Await.until("failed posts reported too", () -> ra.unreachable.size() >= 1000 - Pipeline.CONNECTIONS);
        assertThat(a.activeSince(B)).isEmpty();

        PeerTransportImpl b = TestSupport.start(B, rb, TestSupport.listener(bUrl.toString(), TlsPolicy.disabled(TlsRole.PEER)));
        transports.add(b);
        b.addPeer(A, List.of(url(a)));
        awaitStreams(a, B); // b's readers dialled a
        Await.until("a's readers reconnected to b", () -> b.streamAttached(A, PeerChannel.STREAM_MESSAGE) && b.streamAttached(A, PeerChannel.STREAM_MSGAPP));
        assertThat(a.activeSince(B)).isPresent();
        assertThat(b.activeSince(A)).isPresent();

        rb.processed.clear();
        a.send(everyKind(A, B, 30));
        Await.until("30 messages at b", () -> rb.processed.size() == 30);
        assertThat(b.receivedVia(PeerChannel.STREAM_MSGAPP) + b.receivedVia(PeerChannel.STREAM_MESSAGE)).isEqualTo(30);
    }

    @Test
    void linkHeartbeatsKeepIdleStreamsUp() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        connect(a, A, b, B);
        awaitStreams(a, B);
        awaitStreams(b, A);
        // idle for longer than the read timeout: link heartbeats keep both streams up
        long idleUntil = System.nanoTime() + TestSupport.FAST.connReadTimeout().multipliedBy(2).toNanos();
        Await.until("idle period", Duration.ofSeconds(10), () -> System.nanoTime() > idleUntil);
        assertThat(a.activeSince(B)).isPresent();
        for (PeerChannel stream : List.of(PeerChannel.STREAM_MESSAGE, PeerChannel.STREAM_MSGAPP)) {
            assertThat(a.streamAttachments(B, stream)).as("no reconnect of %s at a", stream).isEqualTo(1);
            assertThat(b.streamAttachments(A, stream)).as("no reconnect of %s at b", stream).isEqualTo(1);
        }
        assertThat(rb.processed).isEmpty(); // link heartbeats never reach raft
        a.send(everyKind(A, B, 10));
        Await.until("10 messages at b", () -> rb.processed.size() == 10);
        assertThat(b.receivedVia(PeerChannel.PIPELINE)).isZero();
    }

    @Test
    void removePeerClosesItsConnections() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        connect(a, A, b, B);
        awaitStreams(a, B);
        awaitStreams(b, A);

        a.removePeer(B);
        ra.members.remove(B);

        assertThat(a.activeSince(B)).isEmpty();
        assertThat(a.streamAttached(B, PeerChannel.STREAM_MESSAGE)).isFalse();
        Await.until("b's writers lose a's streams", () -> !b.streamAttached(A, PeerChannel.STREAM_MESSAGE) && !b.streamAttached(A, PeerChannel.STREAM_MSGAPP));
        Await.until("b sees a inactive (a answers 404 to b's streams)", () -> b.activeSince(A).isEmpty());
        assertThat(TestSupport.peerThreads()).noneMatch(n -> n.startsWith("ketcd-peer-a1-to-b2"));

        a.send(everyKind(A, B, 5)); // unknown member now: dropped silently
        b.send(everyKind(B, A, 5)); // a refuses b
        Await.until("b reports a unreachable", () -> !rb.unreachable.isEmpty());
        assertThat(ra.processed).isEmpty();
    }

    private static java.util.Set<String> jdkSelectorThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.matches("HttpClient-\\d+-SelectorManager")).collect(java.util.stream.Collectors.toSet());
    }

    private static java.util.Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void closeStopsEveryThread() throws Exception {
        java.util.Set<String> before = jdkSelectorThreads();
        java.util.Set<Thread> threadsBefore = liveThreads();
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        // a posts to b before b knows a (the pipeline: a's JDK client is built); b only streams
        a.addPeer(B, List.of(url(b)));
        a.send(everyKind(A, B, 1));
        Await.until("a's post at b", () -> !rb.processed.isEmpty());
        b.addPeer(A, List.of(url(a)));
        awaitStreams(a, B);
        awaitStreams(b, A);
        assertThat(TestSupport.peerThreads()).isNotEmpty();
        java.util.Set<String> ours = jdkSelectorThreads();
        ours.removeAll(before);
        assertThat(ours).as("the JDK client is built on a transport's first post only: a posted, b did not").hasSize(1);
        java.util.Set<Thread> started = liveThreads();
        started.removeAll(threadsBefore);
        assertThat(started).as("every thread a transport starts is named and a daemon (except the JDK client's own)")
                .allSatisfy(t -> {
                    assertThat(t.getName()).matches("ketcd-peer-(a1|b2)-.*|HttpClient-\\d+-SelectorManager");
                    assertThat(t.isDaemon()).isTrue();
                });
        a.close();
        b.close();
        a.close(); // idempotent
        Await.until("no ketcd-peer thread left", Duration.ofSeconds(10), () -> TestSupport.peerThreads().isEmpty());
        // Java 17's HttpClient has no close(): its selector thread ends once nothing references the client
        transports.clear();
        a = null;
        b = null;
        Await.until("the JDK client's selector thread of a ended", Duration.ofSeconds(20), () -> {
            System.gc();
            return java.util.Collections.disjoint(jdkSelectorThreads(), ours);
        });
    }

    @Test
    void updatePeerMovesAPeerToItsNewUrls() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        a.addPeer(B, List.of(URI.create("http://127.0.0.1:" + FreePorts.one())));
        b.addPeer(A, List.of(url(a)));
        awaitStreams(a, B); // b reaches a, a cannot reach b yet
        assertThat(b.streamAttached(A, PeerChannel.STREAM_MESSAGE)).isFalse();

        a.updatePeer(B, List.of(url(b)));
        Await.until("a's readers found b at its new URL", () -> b.streamAttached(A, PeerChannel.STREAM_MESSAGE) && b.streamAttached(A, PeerChannel.STREAM_MSGAPP));
        b.send(everyKind(B, A, 10));
        Await.until("10 messages at a", () -> ra.processed.size() == 10);
    }

    @Test
    void aPeerIsReachedThroughItsOtherUrlWhenOneFails() throws Exception {
        RecordingReceiver ra = new RecordingReceiver(A, B), rb = new RecordingReceiver(A, B);
        PeerTransportImpl a = node(A, ra), b = node(B, rb);
        URI dead = URI.create("http://127.0.0.1:" + FreePorts.one());
        a.addPeer(B, List.of(dead, url(b)));
        b.addPeer(A, List.of(url(a)));
        Await.until("a's readers found b", () -> b.streamAttached(A, PeerChannel.STREAM_MESSAGE) && b.streamAttached(A, PeerChannel.STREAM_MSGAPP));
        awaitStreams(a, B);
        a.send(everyKind(A, B, 20));
        Await.until("20 messages at b", () -> rb.processed.size() == 20);
        b.send(everyKind(B, A, 20));
        Await.until("20 messages at a", () -> ra.processed.size() == 20);
    }
}
