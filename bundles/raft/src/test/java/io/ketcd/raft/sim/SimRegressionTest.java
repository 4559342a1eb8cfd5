package io.ketcd.raft.sim;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.raft.RawNode;

import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/**
 * Minimal reproductions of core bugs the simulation found, each reduced from a failing seed to the few
 * inputs that trigger it, kept so the bug stays fixed.
 */
class SimRegressionTest {

    private static RawNode follower(long id, MemoryStorage storage) {
        return new RawNode(RaftNodeConfig.builder(id).applied(1).checkQuorum(false).preVote(false)
                .random(new SplittableRandom(1)).build(), storage);
    }

    private static Snapshot snapshot(long index, long term, long... voters) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long v : voters) {
            cs.addVoters(v);
        }
        return Snapshot.newBuilder().setData(ByteString.copyFromUtf8("state"))
                .setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(cs)).build();
    }

    /**
     * Seed 500003000073 (3 nodes, membership changes, before the sim's driver weights changed): a follower
     * restores a leader's snapshot (not yet handed out in a Ready, so raft's applied index is still below
     * it) and then campaigns; the pending-conf-change scan started at applied+1, below the restored
     * snapshot, and threw CompactedException out of campaign() (and would out of tick()). etcd-io/etcd#9079
     * is the same panic in etcd-io/raft. Fixed in 5459b81 by scanning from max(applied+1, firstIndex).
     */
    @Test
    void campaignRightAfterRestoringASnapshotDoesNotThrow() {
        MemoryStorage storage = new MemoryStorage();
        storage.applySnapshot(snapshot(1, 1, 1, 2, 3));
        storage.setHardState(HardState.newBuilder().setTerm(1).setCommit(1).build());
        RawNode n2 = follower(2, storage);

        n2.step(Message.newBuilder().setType(MessageType.MsgSnap).setFrom(1).setTo(2).setTerm(2)
                .setSnapshot(snapshot(17, 2, 1, 2, 3)).build());
        assertEquals(17, n2.status().commit());

        assertDoesNotThrow(n2::campaign);
        assertEquals(RaftRole.CANDIDATE, n2.status().role());
    }
}
