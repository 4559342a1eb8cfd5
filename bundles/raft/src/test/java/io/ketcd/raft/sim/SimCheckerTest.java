package io.ketcd.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.ReadState;
import io.ketcd.api.raft.Ready;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.raft.RawNode;

import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * The checker has teeth: a core that breaks one rule (by a wrapper that alters its Readys), or a raft-node
 * swap that breaks one of RaftLoop.rebuild's rules, fails the simulation with the matching message, within
 * a few seeds.
 */
class SimCheckerTest {

    /** A RawNode whose Readys pass through {@code mutate}; advance gets the original back. */
    private static RaftCore mutating(UnaryOperator<Ready> mutate) {
        return (config, storage) -> {
            RawNode inner = new RawNode(config, storage);
            return new RaftNode() {
                private Ready original;

                @Override public void tick() { inner.tick(); }
                @Override public void campaign() { inner.campaign(); }
                @Override public void propose(ByteString data) { inner.propose(data); }
                @Override public void proposeConfChange(ConfChange cc) { inner.proposeConfChange(cc); }
                @Override public ConfState applyConfChange(ConfChange cc) { return inner.applyConfChange(cc); }
                @Override public void step(Message m) { inner.step(m); }
                @Override public void readIndex(ByteString ctx) { inner.readIndex(ctx); }
                @Override public void transferLeader(long transferee) { inner.transferLeader(transferee); }
                @Override public void reportUnreachable(long id) { inner.reportUnreachable(id); }
                @Override public void reportSnapshot(long id, boolean failed) { inner.reportSnapshot(id, failed); }
                @Override public boolean hasReady() { return inner.hasReady(); }
                @Override public RaftStatus status() { return inner.status(); }

                @Override
                public Ready ready() {
                    original = inner.ready();
                    return mutate.apply(original);
                }

                @Override
                public void advance(Ready ready) {
                    inner.advance(original);
                }
            };
        };
    }

    private static void assertCaught(RaftCore core, String expected) {
        assertCaught(seed -> new SimCluster(seed, 3, 500, false, core, MemoryStorageAdapter::new, false), expected);
    }

    /** Three nodes with membership changes (a snapshot's configuration goes stale only through them). */
    private static void assertSwapCaught(Function<SimNode, SimCluster.SwapStart> swap,
                                         String expected) {
        assertCaught(seed -> new SimCluster(seed, 3, 500, true, RawNode::new, MemoryStorageAdapter::new, false,
                swap), expected);
    }

    private static void assertCaught(LongFunction<SimCluster> cluster, String expected) {
        for (long seed = 0; seed < 200; seed++) {
            try {
                cluster.apply(seed).run();
            } catch (AssertionError e) {
                String msg = String.valueOf(e.getMessage());
                assertTrue(msg.contains(expected), "seed " + seed + " failed, but not with '" + expected + "':\n"
                        + msg.substring(0, Math.min(msg.length(), 3000)));
                assertTrue(msg.contains("-Dsim.seed=" + seed) && msg.contains("events:"), "the report replays");
                return;
            }
        }
        fail("200 seeds did not notice: " + expected);
    }

    @Test
    void aVoteThatIsNeverPersisted() {
        assertCaught(mutating(rd -> new Ready(rd.softState(), null, rd.readStates(), rd.entries(), rd.snapshot(),
                rd.committedEntries(), rd.messages(), rd.mustSync())), "persistence: node");
    }

    @Test
    void aReadIndexBelowTheCommitIndex() {
        assertCaught(mutating(rd -> new Ready(rd.softState(), rd.hardState(),
                rd.readStates().stream().map(rs -> new ReadState(0, rs.requestContext())).toList(), rd.entries(),
                rd.snapshot(), rd.committedEntries(), rd.messages(), rd.mustSync())), "read index (linearizability)");
    }

    @Test
    void anEntryAppliedWithOtherContent() {
        UnaryOperator<Entry> corrupt = e -> e.getType() == EntryType.EntryNormal && e.getIndex() % 7 == 3
                ? e.toBuilder().setData(ByteString.copyFromUtf8("corrupt")).build() : e;
        assertCaught(mutating(rd -> new Ready(rd.softState(), rd.hardState(), rd.readStates(), rd.entries(),
                rd.snapshot(), rd.committedEntries().stream().map(corrupt).toList(), rd.messages(), rd.mustSync())),
                "state machine safety");
    }

    @Test
    void aLeaderThatForgetsItsLastEntryOnDisk() {
        // the last entry of each append never reaches the disk; raft does not know
        assertCaught(mutating(rd -> rd.entries().isEmpty() ? rd : new Ready(rd.softState(), rd.hardState(),
                rd.readStates(), List.copyOf(rd.entries().subList(0, rd.entries().size() - 1)), rd.snapshot(),
                rd.committedEntries(), rd.messages(), rd.mustSync())), "persist");
    }

    @Test
    void aSwapThatStartsFromTheSnapshotsConfiguration() {
        // what a node built over the log's own storage reads, without ConfiguredStorage: it misses the changes
        // applied since the snapshot, and applies the next one to a stale configuration
        assertSwapCaught(n -> new SimCluster.SwapStart(n.raft.status().applied(),
                n.durable.snapshot.getMetadata().getConfState()), "membership: node");
    }

    @Test
    void aSwapThatStartsAtAppliedZero() {
        // raft then hands out again the committed entries after the storage's snapshot
        assertSwapCaught(n -> new SimCluster.SwapStart(0, n.conf), "was handed committed entry");
    }
}
