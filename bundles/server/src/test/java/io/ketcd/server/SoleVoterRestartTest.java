package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that is the only voter leads at once, fresh and after a restart from its data
 * directory, without waiting out an election timeout: on a restart its raft node replays the
 * membership from the log before it may campaign. The election timeout here is 50 s, so a member
 * that missed its campaign would not take a write within the 20 s the test waits.
 */
class SoleVoterRestartTest {
    @TempDir
    Path dir;

    private static final RaftCore RAW = RawNode::new;

    @Test
    void theOnlyVoterLeadsAtOnceFreshAndAfterARestart() throws Exception {
        Map<String, String> flags = Map.of("data-dir", dir.resolve("m").toString(),
                "heartbeat-interval", "100", "election-timeout", "50000");
        try (KetcdServer s = KetcdServer.start(ServerConfig.from(flags, Map.of()), RAW, new InMemoryNetwork().peerNetwork())) {
            awaitWrite(s, "fresh");
        }
        for (int restart = 1; restart <= 2; restart++) {
            try (KetcdServer s = KetcdServer.start(ServerConfig.from(flags, Map.of()), RAW, new InMemoryNetwork().peerNetwork())) {
                awaitWrite(s, "restart-" + restart);
                assertThat(await(s.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("fresh")).build()))
                        .getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
            }
        }
    }

    private static void awaitWrite(KetcdServer s, String key) {
        Await.until("a write to " + key + " (the member leads)", Duration.ofSeconds(20), () -> {
            try {
                await(s.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build()));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
