package io.ketcd.itests;

import static io.ketcd.itests.BadInputCase.Port.PEER;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.ketcd.host.RawExchange;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

/**
 * Bad input on a member's peer port (etcd's rafthttp paths): malformed HTTP as on the client
 * ports, and requests that pass the peer checks (a real member as {@code X-Server-From}, etcd
 * 3.4.23's version headers, the cluster id) but carry what no member sends: an empty body, raft's
 * local message types, random bytes. ketcd takes a raft message it must not step and drops it
 * (204, as etcd's raft ignores local types from the network); a body that is no message is a 400.
 */
final class PeerBadInputs {

    private static final Duration BOUND = Duration.ofSeconds(40);
    private static final String NO_CONTENT = "HTTP/1.1 204 No Content";
    private static final String BAD_REQUEST = "HTTP/1.1 400 Bad Request";

    /** raft's types that only a member's own node produces; the peer port must never step them. */
    private static final List<MessageType> LOCAL_TYPES = List.of(MessageType.MsgHup, MessageType.MsgBeat,
            MessageType.MsgUnreachable, MessageType.MsgSnapStatus, MessageType.MsgCheckQuorum,
            MessageType.MsgStorageAppend, MessageType.MsgStorageAppendResp, MessageType.MsgStorageApply,
            MessageType.MsgStorageApplyResp, MessageType.MsgForgetLeader);

    private PeerBadInputs() {
    }

    static List<BadInputCase> cases(int repeat) {
        List<BadInputCase> cases = new ArrayList<>(HttpBadInputs.malformed("peer", PEER, KetcdNode::peerPort, repeat));
        cases.add(BadInputCase.of("peer: POST /raft with an empty body", PEER, t -> {
            // an empty body decodes as a MsgHup from member 0, which is not the sender the headers name
            RawExchange r = post(t, "/raft", new byte[0]);
            assertEquals(r.text(), BAD_REQUEST, r.statusLine());
            assertTrue(r.text(), r.text().endsWith("raft message sender mismatch\n"));
        }));
        for (MessageType type : LOCAL_TYPES) {
            cases.add(BadInputCase.of("peer: POST /raft with a " + type, PEER, t -> {
                Message m = Message.newBuilder().setType(type).setTo(t.identity().memberId()).setFrom(t.identity().senderId())
                        .setTerm(1).build();
                RawExchange r = post(t, "/raft", m.toByteArray());
                assertEquals("taken and dropped: " + r.text(), NO_CONTENT, r.statusLine());
            }));
        }
        cases.add(BadInputCase.of("peer: POST /raft with a MsgSnap outside the snapshot path", PEER, t -> {
            Message m = Message.newBuilder().setType(MessageType.MsgSnap).setTo(t.identity().memberId())
                    .setFrom(t.identity().senderId()).setTerm(1).build();
            RawExchange r = post(t, "/raft", m.toByteArray());
            assertEquals("taken and dropped: " + r.text(), NO_CONTENT, r.statusLine());
        }));
        cases.add(new BadInputCase("peer: POST /raft with random bytes", PEER, repeat, t -> {
            Random random = new Random(31);
            for (int i = 0; i < repeat; i++) {
                // not a message, or (rarely) one whose sender is not the one the headers name
                RawExchange r = post(t, "/raft", GrpcBadInputs.randomBytes(random, 1 + random.nextInt(4096)));
                assertEquals(r.text(), BAD_REQUEST, r.statusLine());
            }
        }));
        cases.add(new BadInputCase("peer: POST /raft/snapshot with random bytes", PEER, repeat, t -> {
            Random random = new Random(32);
            for (int i = 0; i < repeat; i++) {
                RawExchange r = post(t, "/raft/snapshot", GrpcBadInputs.randomBytes(random, 1 + random.nextInt(4096)));
                assertEquals(r.text(), BAD_REQUEST, r.statusLine());
                assertTrue(r.text(), r.text().contains("failed to decode raft message"));
            }
        }));
        cases.add(new BadInputCase("peer: POST /raft/stream/message with random bytes", PEER, repeat, t -> {
            Random random = new Random(33);
            for (int i = 0; i < repeat; i++) {
                RawExchange r = post(t, "/raft/stream/message/" + t.identity().senderHex(),
                        GrpcBadInputs.randomBytes(random, 1 + random.nextInt(4096)));
                assertEquals(r.text(), "HTTP/1.1 405 Method Not Allowed", r.statusLine());
            }
        }));
        cases.add(BadInputCase.of("peer: GET /raft/stream/message from an unknown member", PEER, t -> {
            RawExchange r = RawExchange.of(t.node().peerPort(), (head("GET", "/raft/stream/message/badbadbad", "f00d", t.identity().clusterId())
                    + "\r\n").getBytes(ISO_8859_1), BOUND);
            assertEquals(r.text(), "HTTP/1.1 404 Not Found", r.statusLine());
            assertTrue(r.text(), r.text().endsWith("error sender not found\n"));
        }));
        return List.copyOf(cases);
    }

    /** A request head with etcd's peer headers, claiming to come from {@code fromHex}; no blank line. */
    private static String head(String method, String path, String fromHex, String clusterId) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: etcdserver/3.4.23 (linux; amd64)\r\n"
                + "X-Server-From: " + fromHex + "\r\nX-Server-Version: 3.4.23\r\nX-Min-Cluster-Version: 3.0.0\r\n"
                + "X-Etcd-Cluster-ID: " + clusterId + "\r\nConnection: close\r\n";
    }

    /** POSTs {@code body} to {@code path} of the target's peer port, with the headers of the real member that is its sender. */
    private static RawExchange post(BadInputCase.Target t, String path, byte[] body) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        String headers = head("POST", path, t.identity().senderHex(), t.identity().clusterId())
                + "Content-Type: application/protobuf\r\nContent-Length: " + body.length + "\r\n\r\n";
        request.write(headers.getBytes(ISO_8859_1));
        request.write(body);
        RawExchange r = RawExchange.of(t.node().peerPort(), request.toByteArray(), BOUND);
        HttpBadInputs.assertClosedPromptly(r);
        return r;
    }
}
