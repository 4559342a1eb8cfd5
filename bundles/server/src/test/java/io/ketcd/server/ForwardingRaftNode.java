package io.ketcd.server;

import com.google.protobuf.ByteString;

import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.Ready;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Message;

/** A raft node that passes every call to another; tests override the calls they tamper with. */
abstract class ForwardingRaftNode implements RaftNode {
    protected final RaftNode node;

    ForwardingRaftNode(RaftNode node) {
        this.node = node;
    }

    @Override public void propose(ByteString data) { node.propose(data); }
    @Override public void tick() { node.tick(); }
    @Override public void campaign() { node.campaign(); }
    @Override public void proposeConfChange(ConfChange cc) { node.proposeConfChange(cc); }
    @Override public ConfState applyConfChange(ConfChange cc) { return node.applyConfChange(cc); }
    @Override public void step(Message m) { node.step(m); }
    @Override public void readIndex(ByteString requestContext) { node.readIndex(requestContext); }
    @Override public void transferLeader(long transferee) { node.transferLeader(transferee); }
    @Override public void reportUnreachable(long id) { node.reportUnreachable(id); }
    @Override public void reportSnapshot(long id, boolean failed) { node.reportSnapshot(id, failed); }
    @Override public boolean hasReady() { return node.hasReady(); }
    @Override public Ready ready() { return node.ready(); }
    @Override public void advance(Ready ready) { node.advance(ready); }
    @Override public RaftStatus status() { return node.status(); }
}
