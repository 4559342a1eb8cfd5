package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An entry that does not decode can reach the log only from a bad peer; once committed it is in
 * every member's log. Each member skips it alike, now and at every restart, instead of failing
 * its apply loop again and again.
 */
class UndecodableEntryTest {
    @TempDir
    Path dir;

    private static final ByteString GARBAGE = ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});

    @Test
    void undecodableRequestsAndMembershipChangesAreSkippedAndTheMemberServesOnAcrossARestart() throws Exception {
        RaftCore tampering = (config, storage) -> new TamperingNode(new RawNode(config, storage));
        ServerConfig config = ServerConfig.from(Map.of("data-dir", dir.resolve("m").toString()), Map.of());
        long applied;
        try (KetcdServer s = KetcdServer.start(config, tampering, new InMemoryNetwork().peerNetwork())) {
            await(s.put(put("before", "1")));
            s.put(put("garbage-request", "x"));
            s.put(put("garbage-change", "x"));
            await(s.put(put("after", "2")));
            applied = await(s.status()).getRaftAppliedIndex();
            assertThat(s.restarts()).isZero();
            assertThat(value(s, "before")).isEqualTo("1");
        }
        try (KetcdServer s = KetcdServer.start(config, RawNode::new, new InMemoryNetwork().peerNetwork())) {
            Await.until("the restarted member applied its log again", Duration.ofSeconds(30), () -> {
                try {
                    return await(s.status()).getRaftAppliedIndex() >= applied;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(value(s, "after")).isEqualTo("2");
            assertThat(await(s.put(put("later", "3"))).getHeader().getRevision()).isEqualTo(4);
        }
    }

    private static String value(KetcdServer s, String key) throws Exception {
        return await(s.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()))
                .getKvs(0).getValue().toStringUtf8();
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build();
    }

    /** Proposes what a bad peer could: garbage in place of a request, and a membership change that does not decode. */
    private static final class TamperingNode extends ForwardingRaftNode {
        TamperingNode(RaftNode node) {
            super(node);
        }

        @Override
        public void propose(ByteString data) {
            String text = data.toStringUtf8();
            if (text.contains("garbage-request")) {
                node.propose(GARBAGE);
            } else if (text.contains("garbage-change")) {
                node.step(Message.newBuilder().setType(MessageType.MsgProp).setFrom(node.status().id())
                        .addEntries(Entry.newBuilder().setType(EntryType.EntryConfChange).setData(GARBAGE)).build());
            } else {
                node.propose(data);
            }
        }
    }
}
