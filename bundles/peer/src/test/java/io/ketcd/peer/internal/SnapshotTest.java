package io.ketcd.peer.internal;

import static io.ketcd.peer.internal.TestSupport.start;
import static io.ketcd.peer.internal.TestSupport.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import io.ketcd.testing.Await;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.security.MessageDigest;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    private static final long A = 0xa1, B = 0xb2;
    private static final int SIZE = 20 << 20;

    private final RecordingReceiver ra = new RecordingReceiver(A, B);
    private final RecordingReceiver rb = new RecordingReceiver(A, B);
    private PeerTransportImpl a;
    private PeerTransportImpl b;

    @BeforeEach
    void startBoth() throws Exception {
        a = start(A, ra);
        b = start(B, rb);
        a.addPeer(B, List.of(url(b)));
        b.addPeer(A, List.of(url(a)));
    }

    @AfterEach
    void closeBoth() {
        a.close();
        b.close();
    }

    private static Message snap(long index) {
        return Message.newBuilder().setType(MessageType.MsgSnap).setFrom(A).setTo(B).setTerm(2)
                .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(2))).build();
    }

    /** {@code size} pseudo-random bytes from {@code seed}, written in odd-sized pieces; fails after {@code failAfter} bytes if >= 0. */
    private static final class Payload implements SnapshotPayload {
        final long seed;
        final int size;
        final long failAfter;
        final AtomicInteger closes = new AtomicInteger();
        final AtomicLong written = new AtomicLong();

        Payload(long seed, int size, long failAfter) {
            this.seed = seed;
            this.size = size;
            this.failAfter = failAfter;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            SplittableRandom r = new SplittableRandom(seed);
            byte[] piece = new byte[10_007];
            int left = size;
            while (left > 0) {
                int n = Math.min(left, piece.length);
                r.nextBytes(piece);
                if (failAfter >= 0 && written.get() + n > failAfter) {
                    throw new IOException("backend read failed");
                }
                out.write(piece, 0, n);
                written.addAndGet(n);
                left -= n;
            }
        }

        byte[] digest() throws Exception {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            SplittableRandom r = new SplittableRandom(seed);
            byte[] piece = new byte[10_007];
            for (int left = size; left > 0; left -= piece.length) {
                r.nextBytes(piece);
                d.update(piece, 0, Math.min(left, piece.length));
            }
            return d.digest();
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private static byte[] sha256(InputStream in, AtomicLong count) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[32 << 10];
            for (int r; (r = in.read(buf)) >= 0; ) {
                d.update(buf, 0, r);
                count.addAndGet(r);
            }
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTwentyMebibyteSnapshotArrivesByteExact() throws Exception {
        Payload payload = new Payload(42, SIZE, -1);
        AtomicLong received = new AtomicLong();
        byte[][] digest = new byte[1][];
        rb.snapshotSink = (m, in) -> digest[0] = sha256(in, received);

        a.sendSnapshot(snap(100), payload);

        Await.until("snapshot reported", () -> ra.snapshotReports.size() == 1);
        assertThat(ra.snapshotReports).containsExactly("b2:ok");
        assertThat(received.get()).isEqualTo(SIZE);
        assertThat(digest[0]).isEqualTo(payload.digest());
        assertThat(rb.snapshots).containsExactly(snap(100));
        assertThat(payload.closes.get()).isEqualTo(1);
        assertThat(b.receivedVia(PeerChannel.SNAPSHOT)).isEqualTo(1);
        assertThat(ra.unreachable).isEmpty();
    }

    @Test
    void aReceiverThatRejectsTheDumpMakesTheSenderReportFailure() throws Exception {
        Payload payload = new Payload(7, 3 << 20, -1);
        rb.snapshotSink = (m, in) -> {
            in.readNBytes(1 << 20);
            throw new StreamCorruptedException("checksum mismatch");
        };

        a.sendSnapshot(snap(5), payload);

        Await.until("snapshot reported", () -> ra.snapshotReports.size() == 1);
        assertThat(ra.snapshotReports).containsExactly("b2:failed");
        assertThat(payload.closes.get()).isEqualTo(1);
        assertThat(rb.snapshots).isEmpty();
        assertThat(rb.processed).isEmpty();

        // the peer stays usable: the next attempt goes through
        rb.snapshotSink = (m, in) -> sha256(in, new AtomicLong());
        Payload again = new Payload(8, 1 << 20, -1);
        a.sendSnapshot(snap(6), again);
        Await.until("second snapshot reported", () -> ra.snapshotReports.size() == 2);
        assertThat(ra.snapshotReports).containsExactly("b2:failed", "b2:ok");
        assertThat(rb.snapshots).containsExactly(snap(6));
        assertThat(again.closes.get()).isEqualTo(1);
    }

    @Test
    void aPayloadFailingMidwayReachesTheReceiverAsATruncatedStream() throws Exception {
        Payload payload = new Payload(9, 8 << 20, 3 << 20);
        AtomicLong received = new AtomicLong();
        rb.snapshotSink = (m, in) -> sha256(in, received);

        a.sendSnapshot(snap(11), payload);

        Await.until("snapshot reported", () -> ra.snapshotReports.size() == 1);
        assertThat(ra.snapshotReports).containsExactly("b2:failed");
        assertThat(payload.closes.get()).isEqualTo(1);
        Await.until("the receiver saw the end of the stream", () -> rb.snapshotErrors.size() == 1);
        assertThat(rb.snapshotErrors.get(0)).isInstanceOf(IOException.class);
        assertThat(received.get()).isLessThan(3 << 20);
        assertThat(rb.snapshots).isEmpty();
        assertThat(rb.processed).isEmpty();
        assertThat(ra.unreachable).as("a local payload failure does not blame the peer").isEmpty();
        assertThat(a.activeSince(B)).isPresent();
    }

    @Test
    void theReceiverSeesEofWhenTheSenderStopsBeforeTheEndMarker() throws Exception {
        // what the receiver's stream does with a body that just ends: EOFException, never a short clean end
        byte[] head = Frames.encode(snap(3));
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(head);
        SnapshotChunks.Writer w = new SnapshotChunks.Writer(body);
        w.write(new byte[100_000]);
        w.flush(); // chunks written, no terminator
        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(body.toByteArray());
        assertThat(Frames.read(in)).isEqualTo(snap(3));
        SnapshotChunks.Reader reader = new SnapshotChunks.Reader(in);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.readAllBytes()).isInstanceOf(EOFException.class);
        assertThat(reader.broken()).isTrue();
        assertThat(reader.complete()).isFalse();
    }

    @Test
    void aReceiverThatStopsAtTheEndOfItsDumpStillSucceeds() throws Exception {
        Payload payload = new Payload(3, 100_000, -1);
        rb.snapshotSink = (m, in) -> assertThat(in.readNBytes(100_000)).hasSize(100_000); // never reads the end marker
        a.sendSnapshot(snap(4), payload);
        Await.until("snapshot reported", () -> ra.snapshotReports.size() == 1);
        assertThat(ra.snapshotReports).containsExactly("b2:ok");
        assertThat(rb.snapshots).containsExactly(snap(4));
    }

    @Test
    void aSnapshotToAnUnknownMemberFailsAndClosesThePayload() {
        Payload payload = new Payload(1, 10, -1);
        a.sendSnapshot(snap(1).toBuilder().setTo(0x99).build(), payload);
        assertThat(ra.snapshotReports).containsExactly("99:failed");
        assertThat(payload.closes.get()).isEqualTo(1);
    }
}
