package io.ketcd.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every raft message type, well addressed and malformed, and random bytes, sent as a bad or broken
 * peer would to {@code /raft}, {@code /raft/stream/*} and {@code /raft/snapshot} of a follower and
 * then of the leader of a 3-member cluster: no member stops or restarts, the cluster keeps a
 * leader, takes writes and linearizable reads through every member, loses nothing written before,
 * and its members end at the same revision and hash. (Before issue 9 one empty POST /raft stopped
 * a member's raft loop for good.)
 */
class PeerMessageBarrageTest {
    private static final Duration BOUND = PeerCluster.BOUND;

    @TempDir
    Path dir;

    // HTTP/1.1 as members speak it (HTTP/2's default h2c upgrade header would make Grizzly pass the body through unframed)
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final SplittableRandom random = new SplittableRandom(20261206);

    @Test
    void everyMessageTypeAndRandomBytesOnEveryPeerPathLeaveTheClusterServing() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            Map<String, Map<String, String>> names = new LinkedHashMap<>();
            for (String n : List.of("m1", "m2", "m3")) {
                names.put(n, Map.of());
            }
            List<EmbeddedEtcd> all = cluster.startAll(names);
            long leader = PeerCluster.agreedLeader(all);
            int written = writeThroughEach(all, 0);

            EmbeddedEtcd follower = all.stream().filter(m -> m.server().memberId() != leader).findFirst().orElseThrow();
            EmbeddedEtcd leaderMember = all.stream().filter(m -> m.server().memberId() == leader).findFirst().orElseThrow();
            for (EmbeddedEtcd target : List.of(follower, leaderMember)) {
                EmbeddedEtcd sender = all.stream().filter(m -> m != target).findFirst().orElseThrow();
                String name = cluster.running.entrySet().stream().filter(e -> e.getValue() == target).findFirst().orElseThrow().getKey();
                barrage(cluster.peerUrl(name), cluster.peerPort(name), target, sender);
                brokenSnapshots(cluster.peerUrl(name), cluster.dataDir(name), target, sender);
                written = writeThroughEach(all, written);
                assertServing(all, written);
            }
        }
    }

    private void barrage(String peerUrl, int peerPort, EmbeddedEtcd target, EmbeddedEtcd sender) throws Exception {
        long to = target.server().memberId();
        long from = sender.server().memberId();
        String cluster = Long.toHexString(target.server().clusterId());
        long term = target.server().status().get(10, TimeUnit.SECONDS).getRaftTerm();

        // an empty body decodes as MsgHup: the request that stopped a member before
        assertThat(post(peerUrl + "/raft", from, cluster, new byte[0])).isIn(204, 400);
        for (MessageType type : MessageType.values()) {
            if (type == MessageType.UNRECOGNIZED) {
                continue;
            }
            for (Message m : variants(type, from, to, term)) {
                int status = post(peerUrl + "/raft", from, cluster, m.toByteArray());
                assertThat(status).as("POST /raft of %s", m.getType()).isIn(204, 400);
                int snapshot = post(peerUrl + "/raft/snapshot", from, cluster, snapshotBody(m, randomBytes(64)));
                assertThat(snapshot).as("POST /raft/snapshot of %s", m.getType()).isEqualTo(400);
            }
        }
        for (int i = 0; i < 20; i++) {
            assertThat(post(peerUrl + "/raft", from, cluster, randomBytes(1 + random.nextInt(512)))).isIn(204, 400);
            assertThat(post(peerUrl + "/raft/snapshot", from, cluster, randomBytes(1 + random.nextInt(512)))).isIn(400, 404);
        }
        for (String stream : List.of("message", "msgappv2")) {
            // a stream addressed to another member, from an unknown one, by the wrong method
            assertThat(get(peerUrl + "/raft/stream/" + stream + "/" + Long.toHexString(from), cluster, "1234")).isEqualTo(412);
            assertThat(get(peerUrl + "/raft/stream/" + stream + "/abcdef", cluster, Long.toHexString(to))).isEqualTo(404);
            assertThat(post(peerUrl + "/raft/stream/" + stream + "/" + Long.toHexString(from), from, cluster, randomBytes(256)))
                    .isEqualTo(405);
        }
        assertThat(get(peerUrl + "/raft/stream/bogus/" + Long.toHexString(from), cluster, Long.toHexString(to))).isEqualTo(404);
        for (int i = 0; i < 5; i++) {
            rawBytes(peerPort, randomBytes(1024));
        }
    }

    /** A well-formed MsgSnap from a real member whose backend dump is corrupt or cut short: 400, and nothing kept. */
    private void brokenSnapshots(String peerUrl, Path dataDir, EmbeddedEtcd target, EmbeddedEtcd sender) throws Exception {
        long term = target.server().status().get(10, TimeUnit.SECONDS).getRaftTerm();
        Message snap = Message.newBuilder().setType(MessageType.MsgSnap).setFrom(sender.server().memberId())
                .setTo(target.server().memberId()).setTerm(term)
                .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(100_000).setTerm(term)))
                .build();
        String cluster = Long.toHexString(target.server().clusterId());
        long from = sender.server().memberId();
        assertThat(post(peerUrl + "/raft/snapshot", from, cluster, snapshotBody(snap, chunks("not a backend dump".getBytes(), true))))
                .isEqualTo(400);
        byte[] truncated = chunks(new byte[4096], false);
        assertThat(post(peerUrl + "/raft/snapshot", from, cluster, snapshotBody(snap, java.util.Arrays.copyOf(truncated, 100))))
                .isEqualTo(400);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dataDir.resolve("member/snap"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".snap.db"));
        }
    }

    /** Snapshot payload chunks as the sender frames them: length, bytes, and a zero length at the end. */
    private static byte[] chunks(byte[] data, boolean terminated) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(data.length);
        out.write(data);
        if (terminated) {
            out.writeInt(0);
        }
        return bytes.toByteArray();
    }

    /** The message as a broken peer may send it: bare, at the current term with garbage, and at absurd indexes. */
    private List<Message> variants(MessageType type, long from, long to, long term) {
        ByteString garbage = ByteString.copyFrom(randomBytes(32));
        List<Message> variants = new ArrayList<>();
        variants.add(Message.newBuilder().setType(type).setFrom(from).setTo(to).build());
        variants.add(Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term).setIndex(1L << 40).setLogTerm(term)
                .setCommit(1L << 40).addEntries(Entry.newBuilder().setData(garbage)).build());
        variants.add(Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term)
                .addEntries(Entry.newBuilder().setType(EntryType.EntryConfChange).setData(garbage))
                .addEntries(Entry.newBuilder().setTerm(term).setIndex(3).setData(garbage)).build());
        variants.add(Message.newBuilder().setType(type).setFrom(0).setTo(0).setTerm(term).build());
        variants.add(Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term)
                .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(1L << 40).setTerm(term))).build());
        return variants;
    }

    private int post(String url, long from, String cluster, byte[] body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("X-Server-From", Long.toHexString(from))
                .header("X-Server-Version", "3.4.23")
                .header("X-Min-Cluster-Version", "3.0.0")
                .header("X-Etcd-Cluster-ID", cluster)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private int get(String url, String cluster, String raftTo) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("X-Server-Version", "3.4.23")
                .header("X-Min-Cluster-Version", "3.0.0")
                .header("X-Etcd-Cluster-ID", cluster)
                .header("X-Raft-To", raftTo)
                .GET().build();
        return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Bytes that are no HTTP at all: the member answers or hangs up; either way this returns. */
    private static void rawBytes(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                InputStream in = s.getInputStream();
                in.readNBytes(4096);
            } catch (IOException e) {
                // a reset is a fine answer to garbage
            }
        }
    }

    private static byte[] snapshotBody(Message m, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        byte[] msg = m.toByteArray();
        out.writeLong(msg.length);
        out.write(msg);
        out.write(payload);
        return bytes.toByteArray();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Writes one key through each member, awaiting each acknowledgement; returns how many keys exist. */
    private static int writeThroughEach(List<EmbeddedEtcd> all, int written) {
        for (EmbeddedEtcd m : all) {
            String key = "k" + written++;
            PeerCluster.awaitTrue("a put of " + key + " through member " + Long.toHexString(m.server().memberId()), () -> {
                try {
                    m.server().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                            .setValue(ByteString.copyFromUtf8("v")).build()).get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        return written;
    }

    private static void assertServing(List<EmbeddedEtcd> all, int written) throws Exception {
        PeerCluster.agreedLeader(all);
        for (EmbeddedEtcd m : all) {
            var kvs = m.server().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setRangeEnd(ByteString.copyFromUtf8("l")).build()).get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(kvs.getCount()).as("keys read linearizably through %s", Long.toHexString(m.server().memberId()))
                    .isEqualTo(written);
            assertThat(m.memberRestarts()).as("restarts of %s", Long.toHexString(m.server().memberId())).isZero();
        }
        PeerCluster.awaitTrue("every member at the same revision with the same hash", () -> all.stream().map(m -> {
            try {
                var h = m.server().hashKV(HashKVRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS);
                return h.getHeader().getRevision() + "/" + h.getHash();
            } catch (Exception e) {
                return e.toString();
            }
        }).distinct().count() == 1);
    }
}
