package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The wire format, ids, headers, JSON and backoff, without sockets. */
class CodecTest {

    @Test
    void aBatchWritesTheSameFramesAsSeparateWritesInOneWriteAndIsEmptyAfterIt() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] data = new byte[i == 20 ? 300_000 : random.nextInt(2_000)];
            random.nextBytes(data);
            messages.add(Message.newBuilder().setType(MessageType.MsgApp).setFrom(1).setTo(2).setIndex(i)
                    .addEntries(io.ketcd.proto.raftpb.Entry.newBuilder().setIndex(i).setData(com.google.protobuf.ByteString.copyFrom(data)))
                    .build());
        }
        ByteArrayOutputStream separate = new ByteArrayOutputStream();
        for (Message m : messages) {
            Frames.write(separate, m);
        }
        List<Integer> writes = new ArrayList<>();
        ByteArrayOutputStream batched = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.add(len);
                super.write(b, off, len);
            }
        };
        Frames.Batch batch = new Frames.Batch();
        for (Message m : messages.subList(0, 10)) {
            batch.add(m);
        }
        assertThat(batch.full()).isFalse();
        batch.writeTo(batched);
        assertThat(batch.isEmpty()).isTrue();
        for (Message m : messages.subList(10, 40)) {
            batch.add(m);
            if (batch.full()) {
                batch.writeTo(batched);
            }
        }
        batch.writeTo(batched);
        assertThat(batched.toByteArray()).isEqualTo(separate.toByteArray());
        assertThat(writes).as("one write per batch: the first ten, the one that the large message filled, the rest").hasSize(3);
    }

    @Test
    void framesRoundTripAndEndCleanlyOnlyAtAFrameBoundary() throws Exception {
        Message m1 = Message.newBuilder().setType(MessageType.MsgApp).setFrom(1).setTo(2).setIndex(7).build();
        Message m2 = Message.newBuilder().setType(MessageType.MsgHeartbeat).setFrom(1).setTo(2).setCommit(3).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, m1);
        Frames.write(out, Frames.LINK_HEARTBEAT);
        out.write(Frames.encode(m2));
        byte[] bytes = out.toByteArray();
        assertThat(bytes).startsWith(0, 0, 0, 0, 0, 0, 0, m1.getSerializedSize());

        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        assertThat(Frames.read(in)).isEqualTo(m1);
        Message hb = Frames.read(in);
        assertThat(Frames.isLinkHeartbeat(hb)).isTrue();
        Message read2 = Frames.read(in);
        assertThat(read2).isEqualTo(m2);
        assertThat(Frames.isLinkHeartbeat(read2)).as("a raft heartbeat is not a link heartbeat").isFalse();
        assertThat(Frames.read(in)).isNull();

        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        ByteArrayInputStream truncated = new ByteArrayInputStream(cut);
        Frames.read(truncated);
        Frames.read(truncated);
        assertThatThrownBy(() -> Frames.read(truncated)).isInstanceOf(Frames.BadFrameException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {0, 0, 0})))
                .isInstanceOf(Frames.BadFrameException.class);
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0})))
                .isInstanceOf(Frames.BadFrameException.class).hasMessageContaining("exceeds");
    }

    @Test
    void snapshotChunksRoundTrip() throws Exception {
        byte[] payload = new byte[300_000];
        new SplittableRandom(1).nextBytes(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotChunks.Writer w = new SnapshotChunks.Writer(out);
        w.write(payload, 0, 1000);
        w.write(payload[1000]);
        w.write(payload, 1001, payload.length - 1001);
        w.close(); // a payload closing the stream does not end it
        w.finish();
        assertThat(w.total()).isEqualTo(payload.length);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        SnapshotChunks.Reader r = new SnapshotChunks.Reader(in);
        assertThat(r.readAllBytes()).isEqualTo(payload);
        assertThat(r.complete()).isTrue();
        assertThat(r.read()).isEqualTo(-1);

        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        Frames.writeInt(huge, SnapshotChunks.MAX_CHUNK + 1);
        SnapshotChunks.Reader bad = new SnapshotChunks.Reader(new ByteArrayInputStream(huge.toByteArray()));
        assertThatThrownBy(bad::read).isInstanceOf(Frames.BadFrameException.class);
        assertThat(bad.broken()).isTrue();
    }

    @Test
    void aBoundedPipeBlocksTheWriterAndPassesFailuresBothWays() throws Exception {
        BoundedPipe pipe = new BoundedPipe(16, Duration.ofSeconds(5));
        pipe.sink.write(new byte[10]);
        byte[] got = new byte[32];
        assertThat(pipe.source.read(got)).isEqualTo(10);
        pipe.sink.write(new byte[5]);
        pipe.sink.close();
        assertThat(pipe.source.read(got)).isEqualTo(5);
        assertThat(pipe.source.read(got)).isEqualTo(-1);

        BoundedPipe failed = new BoundedPipe(4, Duration.ofSeconds(5));
        failed.sink.write(new byte[4]); // full now: the next write would block
        failed.source.close(); // the reader gives up
        assertThatThrownBy(() -> failed.sink.write(1)).isInstanceOf(IOException.class);
        assertThat(failed.failedByReader()).isTrue();

        BoundedPipe aborted = new BoundedPipe(4, Duration.ofSeconds(5));
        aborted.fail(new IOException("payload broke"));
        assertThatThrownBy(() -> aborted.source.read()).hasMessage("payload broke");

        BoundedPipe stalled = new BoundedPipe(4, Duration.ofMillis(100));
        stalled.sink.write(new byte[4]);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> stalled.sink.write(1)).isInstanceOf(IOException.class).hasMessageContaining("stalled");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
        assertThat(stalled.failedByReader()).isTrue();
    }

    @Test
    void idsAreUnsignedHex() {
        assertThat(Ids.hex(0xfffffffffffffff0L)).isEqualTo("fffffffffffffff0");
        assertThat(Ids.parseHex("fffffffffffffff0")).isEqualTo(0xfffffffffffffff0L);
        assertThat(Ids.parseHex("A1")).isEqualTo(0xa1);
        for (String bad : new String[] {"", "zz", "-1", "12345678901234567", null}) {
            assertThatThrownBy(() -> Ids.parseHex(bad)).isInstanceOf(NumberFormatException.class);
        }
    }

    @Test
    void versionAndClusterChecksFollowEtcd() {
        PeerTransportConfig c = new PeerTransportConfig(1, 0x1000, "3.4.23", "3.4.0", Duration.ofMillis(100),
                TlsPolicy.disabled(TlsRole.PEER));
        assertThat(PeerHeaders.incompatibility("3.4.23", "3.0.0", "1000", c)).isNull();
        assertThat(PeerHeaders.incompatibility("3.5.0", "3.0.0", "1000", c)).isNull();
        assertThat(PeerHeaders.incompatibility("3.4.23", "3.0.0", "1001", c)).isEqualTo("cluster ID mismatch");
        assertThat(PeerHeaders.incompatibility(null, null, "1000", c)).isEqualTo("incompatible version");
        assertThat(PeerHeaders.incompatibility("2.3.7", "2.3.0", "1000", c)).isEqualTo("incompatible version");
        assertThat(PeerHeaders.incompatibility("3.6.0", "3.5.0", "1000", c)).as("the remote needs a newer cluster").isEqualTo("incompatible version");
        assertThat(PeerHeaders.incompatibility("junk", "3.0.0", "1000", c)).isEqualTo("incompatible version");
    }

    @Test
    void membersJsonEscapesAsGoAndParsesBack() throws Exception {
        List<Member> ms = List.of(Member.newBuilder().setID(5).setName("a<b>&\"c\"\n").addPeerURLs("http://h:1/?x=1&y=2").build(),
                Member.newBuilder().setID(6).build());
        String json = MembersJson.write(ms);
        assertThat(json).isEqualTo("[{\"id\":5,\"peerURLs\":[\"http://h:1/?x=1\\u0026y=2\"],\"name\":\"a\\u003cb\\u003e\\u0026\\\"c\\\"\\n\"},"
                + "{\"id\":6,\"peerURLs\":[]}]\n");
        assertThat(MembersJson.parse(json)).isEqualTo(ms);
        assertThat(MembersJson.parse(" [ {\"id\":\"a1\", \"peerURLs\":null, \"extra\":{\"n\":[1,2.5e3,false]}} ] "))
                .containsExactly(Member.newBuilder().setID(0xa1).build());
        for (String bad : new String[] {"", "{}", "[1]", "[{\"id\":true}]", "[{\"id\":1,\"peerURLs\":[1]}]", "[{\"id\":1}] x", "[{\"id\":\"zz\"}]",
                "[{\"id\":1,\"name\":\"unterminated}]"}) {
            assertThatThrownBy(() -> MembersJson.parse(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void backoffDoublesToItsBoundWithSeededJitter() {
        Backoff b1 = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), new SplittableRandom(5));
        Backoff b2 = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), new SplittableRandom(5));
        List<Long> d1 = new ArrayList<>();
        List<Long> d2 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            d1.add(b1.next());
            d2.add(b2.next());
        }
        assertThat(d1).isEqualTo(d2);
        assertThat(d1.get(0)).isBetween(Duration.ofMillis(50).toNanos(), Duration.ofMillis(100).toNanos());
        assertThat(d1.get(9)).isBetween(Duration.ofMillis(1500).toNanos(), Duration.ofSeconds(3).toNanos());
        assertThat(d1).allMatch(d -> d <= Duration.ofSeconds(3).toNanos());
        b1.reset();
        assertThat(b1.next()).isLessThanOrEqualTo(Duration.ofMillis(100).toNanos());
    }

    @Test
    void theUrlPickerSticksToAUrlUntilItFails() {
        URI u1 = URI.create("http://a:1"), u2 = URI.create("http://b:2");
        UrlPicker p = new UrlPicker(List.of(u1, u2));
        assertThat(p.pick()).isEqualTo(u1);
        assertThat(p.pick()).isEqualTo(u1);
        p.unreachable(u1);
        assertThat(p.pick()).isEqualTo(u2);
        p.unreachable(u1); // a late report about the old URL does not move the picker
        assertThat(p.pick()).isEqualTo(u2);
        p.unreachable(u2);
        assertThat(p.pick()).isEqualTo(u1);
        p.update(List.of(u2));
        assertThat(p.pick()).isEqualTo(u2);
        assertThatThrownBy(() -> p.update(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
