package io.ketcd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import io.ketcd.proto.serverpb.InternalRaftRequest;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PeerMessageCheckTest {
    private static final long SELF = 0x1111;
    private static final long PEER = 0x2222;
    private static final long REMOVED = 0x3333;

    private final PeerMessageCheck check = new PeerMessageCheck(SELF, id -> id == REMOVED);

    private static Message.Builder from(long from, MessageType type) {
        return Message.newBuilder().setType(type).setFrom(from).setTo(SELF).setTerm(5);
    }

    private static Entry request() {
        return Entry.newBuilder().setType(EntryType.EntryNormal).setData(InternalRaftRequest.newBuilder()
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build().toByteString()).build();
    }

    @Test
    void onlyTypesAPeerSendsPassAndLocalTypesAreRefusedEvenWellAddressed() {
        Set<MessageType> network = EnumSet.of(MessageType.MsgAppResp, MessageType.MsgVote, MessageType.MsgVoteResp,
                MessageType.MsgPreVote, MessageType.MsgPreVoteResp, MessageType.MsgHeartbeat, MessageType.MsgHeartbeatResp,
                MessageType.MsgTransferLeader, MessageType.MsgTimeoutNow, MessageType.MsgApp);
        for (MessageType t : MessageType.values()) {
            if (t == MessageType.UNRECOGNIZED) {
                continue;
            }
            String problem = check.problem(from(PEER, t).build());
            if (network.contains(t)) {
                assertThat(problem).as(t.name()).isNull();
            } else if (t != MessageType.MsgProp && t != MessageType.MsgReadIndex && t != MessageType.MsgReadIndexResp) {
                assertThat(problem).as(t.name()).isNotNull();
            }
        }
        // an empty body decodes as a MsgHup from nobody to nobody
        assertThat(check.problem(Message.getDefaultInstance())).contains("local");
        assertThat(check.problem(from(PEER, MessageType.MsgSnap).build())).contains("snapshot path");
        assertThat(check.problem(Message.newBuilder().setTypeValue(99).setFrom(PEER).setTo(SELF).build())).isNotNull();
    }

    @Test
    void theAddressesMustBeThisMemberAndAnotherMemberStillIn() {
        assertThat(check.problem(from(PEER, MessageType.MsgHeartbeat).setTo(PEER).build())).contains("addressed to");
        assertThat(check.problem(from(0, MessageType.MsgHeartbeat).build())).isNotNull();
        assertThat(check.problem(from(SELF, MessageType.MsgHeartbeat).build())).isNotNull();
        assertThat(check.problem(from(REMOVED, MessageType.MsgHeartbeat).build())).contains("removed");
    }

    @Test
    void proposalsMustCarryEntriesThatDecode() {
        assertThat(check.problem(from(PEER, MessageType.MsgProp).addEntries(request()).build())).isNull();
        assertThat(check.problem(from(PEER, MessageType.MsgProp).build())).contains("empty MsgProp");
        assertThat(check.problem(from(PEER, MessageType.MsgProp).addEntries(Entry.newBuilder()
                .setData(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))).build())).contains("decode");
        assertThat(check.problem(from(PEER, MessageType.MsgProp).addEntries(Entry.getDefaultInstance()).build())).contains("empty entry");
        assertThat(check.problem(from(PEER, MessageType.MsgProp).addEntries(Entry.newBuilder().setType(EntryType.EntryConfChange)
                .setData(ConfChange.newBuilder().setNodeId(7).build().toByteString())).build())).isNull();
        assertThat(check.problem(from(PEER, MessageType.MsgProp).addEntries(Entry.newBuilder().setType(EntryType.EntryConfChangeV2)
                .setData(ByteString.copyFromUtf8("x"))).build())).contains("type");
    }

    @Test
    void appendsMustBeConsecutiveWithTermsThatNeverGoBack() {
        Message.Builder ok = from(PEER, MessageType.MsgApp).setIndex(10).setLogTerm(4)
                .addEntries(request().toBuilder().setIndex(11).setTerm(4)).addEntries(request().toBuilder().setIndex(12).setTerm(5));
        assertThat(check.problem(ok.build())).isNull();
        assertThat(check.problem(ok.clone().setEntries(1, request().toBuilder().setIndex(14).setTerm(5)).build())).contains("should be 12");
        assertThat(check.problem(ok.clone().setEntries(1, request().toBuilder().setIndex(12).setTerm(3)).build())).contains("term 3");
        assertThat(check.problem(ok.clone().setEntries(1, request().toBuilder().setIndex(12).setTerm(6)).build())).contains("term 6");
        assertThat(check.problem(ok.clone().setLogTerm(6).clearEntries().build())).contains("log term");
    }

    @Test
    void readIndexMessagesCarryOneContext() {
        Entry context = Entry.newBuilder().setData(ByteString.copyFromUtf8("ctx")).build();
        assertThat(check.problem(from(PEER, MessageType.MsgReadIndex).addEntries(context).build())).isNull();
        assertThat(check.problem(from(PEER, MessageType.MsgReadIndex).build())).isNotNull();
        assertThat(check.problem(from(PEER, MessageType.MsgReadIndexResp).addEntries(context).addEntries(context).build())).isNotNull();
    }

    @Test
    void snapshotsComeOnlyOnTheirPathWithIndexAndTerm() {
        Message snap = from(PEER, MessageType.MsgSnap)
                .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(100).setTerm(5))).build();
        assertThat(check.snapshotProblem(snap)).isNull();
        assertThat(check.snapshotProblem(from(PEER, MessageType.MsgSnap).build())).contains("without index");
        assertThat(check.snapshotProblem(from(PEER, MessageType.MsgApp).build())).contains("snapshot path");
        assertThat(check.snapshotProblem(snap.toBuilder().setTo(PEER).build())).contains("addressed to");
    }
}
