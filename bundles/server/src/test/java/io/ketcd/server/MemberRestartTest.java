package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose raft loop fails does not stay a live process that answers "server stopped"
 * forever: it is opened again from its data directory, as etcd's supervisor restarts its process,
 * and serves on with every acknowledged write.
 */
class MemberRestartTest {
    @TempDir
    Path dir;

    private static final ByteString POISON = ByteString.copyFromUtf8("poison");

    @Test
    void aMemberWhoseRaftLoopFailsIsRestartedFromItsDataAndServesAgain() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(1);
        RaftCore failingOnce = (config, storage) -> new FailingNode(new RawNode(config, storage), failuresLeft);
        try (KetcdServer s = KetcdServer.start(ServerConfig.from(Map.of("data-dir", dir.resolve("m").toString()), Map.of()),
                failingOnce, new InMemoryNetwork().peerNetwork())) {
            await(s.put(put("before", "1")));
            long member = s.memberId();

            CompletableFuture<?> failed = s.put(PutRequest.newBuilder().setKey(POISON).setValue(POISON).build());
            Await.until("the member restarted", Duration.ofSeconds(30), () -> s.restarts() == 1);
            assertThat(failed).failsWithin(Duration.ofSeconds(30));

            Await.until("the restarted member takes writes", Duration.ofSeconds(30), () -> {
                try {
                    await(s.put(put("after", "2")));
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(await(s.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("before")).build()))
                    .getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
            assertThat(s.memberId()).isEqualTo(member);
            assertThat(s.restarts()).isEqualTo(1);
        }
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build();
    }

    /** A raft node that throws, as a bug in the core would, on the proposal of a poisoned put. */
    private static final class FailingNode extends ForwardingRaftNode {
        private final AtomicInteger failuresLeft;

        FailingNode(RaftNode node, AtomicInteger failuresLeft) {
            super(node);
            this.failuresLeft = failuresLeft;
        }

        @Override
        public void propose(ByteString data) {
            if (data.toStringUtf8().contains("poison") && failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("a bug in the raft core");
            }
            node.propose(data);
        }
    }
}
