package io.ketcd.testing.cluster;

import com.google.protobuf.ByteString;

import io.ketcd.api.raft.ProgressStatus;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.api.raft.Ready;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Message;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Another core's nodes, whose status shows no follower as recently active, as a leader's does
 * just after check-quorum clears that at the end of each election timeout; the leader transfers
 * asked of its nodes are recorded. Wrap it in a {@link CountingRaftCore} to count its nodes.
 */
public final class QuietFollowersRaftCore implements RaftCore {
    private final RaftCore nodes;
    private final List<Long> transfers = new CopyOnWriteArrayList<>();

    public QuietFollowersRaftCore(RaftCore nodes) {
        this.nodes = nodes;
    }

    @Override
    public RaftNode create(RaftNodeConfig config, RaftStorage storage) {
        return new QuietNode(nodes.create(config, storage));
    }

    /** The transferees of the leader transfers asked of this core's nodes, in order. */
    public List<Long> transfers() {
        return List.copyOf(transfers);
    }

    private final class QuietNode implements RaftNode {
        private final RaftNode node;

        QuietNode(RaftNode node) {
            this.node = node;
        }

        @Override
        public RaftStatus status() {
            RaftStatus s = node.status();
            Map<Long, ProgressStatus> quiet = s.progress().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                    e -> new ProgressStatus(e.getValue().match(), e.getValue().next(), e.getValue().state(), false)));
            return new RaftStatus(s.id(), s.term(), s.vote(), s.commit(), s.applied(), s.lead(), s.role(), quiet);
        }

        @Override
        public void transferLeader(long transferee) {
            transfers.add(transferee);
            node.transferLeader(transferee);
        }

        @Override
        public void tick() {
            node.tick();
        }

        @Override
        public void campaign() {
            node.campaign();
        }

        @Override
        public void propose(ByteString data) {
            node.propose(data);
        }

        @Override
        public void proposeConfChange(ConfChange cc) {
            node.proposeConfChange(cc);
        }

        @Override
        public ConfState applyConfChange(ConfChange cc) {
            return node.applyConfChange(cc);
        }

        @Override
        public void step(Message m) {
            node.step(m);
        }

        @Override
        public void readIndex(ByteString requestContext) {
            node.readIndex(requestContext);
        }

        @Override
        public void reportUnreachable(long id) {
            node.reportUnreachable(id);
        }

        @Override
        public void reportSnapshot(long id, boolean failed) {
            node.reportSnapshot(id, failed);
        }

        @Override
        public boolean hasReady() {
            return node.hasReady();
        }

        @Override
        public Ready ready() {
            return node.ready();
        }

        @Override
        public void advance(Ready ready) {
            node.advance(ready);
        }
    }
}
