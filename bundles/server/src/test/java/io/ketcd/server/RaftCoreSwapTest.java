package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.raft.RawNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A raft core swapped under running members of a 3-member cluster while three writers write
 * through every member: on a follower, then on the leader. Writes go on being acknowledged, every
 * acknowledged write is on every member afterwards, the members end at one revision and hash,
 * and no member's applied index ever goes back.
 */
class RaftCoreSwapTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final List<KetcdServer> members = new ArrayList<>();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private AppliedIndexWatch watch;

    @AfterEach
    void stopAll() throws InterruptedException {
        writing.set(false);
        for (Thread t : threads) {
            t.join(BOUND.toMillis());
        }
        if (watch != null) {
            watch.close();
        }
        members.forEach(KetcdServer::close);
        network.close();
    }

    @Test
    void aSwappedCoreOnAFollowerThenOnTheLeaderLosesNoAcknowledgedWrite() throws Exception {
        for (String name : List.of("m1", "m2", "m3")) {
            members.add(KetcdServer.start(InMemoryMembers.config(dir, name, Map.of()), RawNode::new, network.peerNetwork()));
        }
        long leaderId = awaitLeader();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger written = new AtomicInteger();
        for (KetcdServer member : members) {
            threads.add(start("writer-" + Long.toHexString(member.memberId()), () -> {
                for (int i = 0; writing.get(); i++) {
                    String key = "k/" + Long.toHexString(member.memberId()) + "/" + i;
                    try {
                        member.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v")).build()).get(10, TimeUnit.SECONDS);
                        acknowledged.add(key);
                        written.incrementAndGet();
                    } catch (Exception e) {
                        // not acknowledged: may or may not be there
                    }
                }
            }));
        }
        watch = new AppliedIndexWatch(members);
        awaitMoreWrites(written, 50);

        CountingRaftCore followerCore = new CountingRaftCore();
        KetcdServer follower = members.stream().filter(m -> m.memberId() != leaderId).findFirst().orElseThrow();
        follower.replaceRaftCore(followerCore);
        Await.until("the follower runs a node of the new core", BOUND, () -> followerCore.created() == 1);
        awaitMoreWrites(written, 50);

        CountingRaftCore leaderCore = new CountingRaftCore();
        KetcdServer leader = members.stream().filter(m -> m.memberId() == leaderId).findFirst().orElseThrow();
        leader.replaceRaftCore(leaderCore);
        Await.until("the leader runs a node of the new core", BOUND, () -> leaderCore.created() == 1);
        awaitMoreWrites(written, 50);

        writing.set(false);
        for (Thread t : threads) {
            t.join(BOUND.toMillis());
        }
        assertThat(watch.stopAndReportWentBack()).as("an applied index went back").isFalse();
        Await.until("every member at the same revision with the same hash", BOUND, () -> members.stream().map(m -> {
            try {
                var h = await(m.hashKV(HashKVRequest.getDefaultInstance()));
                return h.getHeader().getRevision() + "/" + h.getHash();
            } catch (Exception e) {
                return e.toString();
            }
        }).distinct().count() == 1);
        for (KetcdServer m : members) {
            for (String key : acknowledged) {
                assertThat(await(m.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setSerializable(true).build())).getCount())
                        .as("%s on member %s", key, Long.toHexString(m.memberId())).isEqualTo(1);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThan(150);
        assertThat(followerCore.created() + leaderCore.created()).as("each swap builds exactly one node").isEqualTo(2);
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitMoreWrites(AtomicInteger written, int more) {
        int target = written.get() + more;
        Await.until(more + " more acknowledged writes", BOUND, () -> written.get() >= target);
    }

    private long awaitLeader() {
        long[] lead = new long[1];
        Await.until("a leader every member names", BOUND, () -> {
            List<Long> leaders = members.stream().map(m -> {
                try {
                    return m.status().get(5, TimeUnit.SECONDS).getLeader();
                } catch (Exception e) {
                    return 0L;
                }
            }).distinct().toList();
            lead[0] = leaders.get(0);
            return leaders.size() == 1 && lead[0] != 0;
        });
        return lead[0];
    }
}
