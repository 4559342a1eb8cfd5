package io.ketcd.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.RequestNesting;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.serverpb.InternalRaftRequest;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * What a message from the network must be before the raft node may step it. Raft's local
 * message types (an empty body decodes as {@code MsgHup}), messages for another member or from
 * nobody, and messages whose shape no correct member produces are refused here, so a bad or
 * broken peer cannot make the raft loop fail (the core throws on local types, empty proposals
 * and out-of-order appends, and a proposal that cannot be decoded would be committed and then
 * fail the apply loop on every member). Shape only: raft itself decides what a well-formed
 * message means for its state.
 */
final class PeerMessageCheck {
    /** Types a member sends to another; a snapshot only on the snapshot path, with its backend. */
    private static final Set<MessageType> FROM_PEERS = EnumSet.of(
            MessageType.MsgProp, MessageType.MsgApp, MessageType.MsgAppResp,
            MessageType.MsgVote, MessageType.MsgVoteResp, MessageType.MsgPreVote, MessageType.MsgPreVoteResp,
            MessageType.MsgHeartbeat, MessageType.MsgHeartbeatResp,
            MessageType.MsgTransferLeader, MessageType.MsgTimeoutNow,
            MessageType.MsgReadIndex, MessageType.MsgReadIndexResp);

    private final long localId;
    private final LongPredicate isRemoved;

    PeerMessageCheck(long localId, LongPredicate isRemoved) {
        this.localId = localId;
        this.isRemoved = isRemoved;
    }

    /** Why {@code m}, from the message paths (pipeline or stream), must be dropped; null if it may be stepped. */
    String problem(Message m) {
        if (!FROM_PEERS.contains(m.getType())) {
            return m.getType() == MessageType.MsgSnap
                    ? "a MsgSnap outside the snapshot path (it comes without its backend)"
                    : "raft local or unknown message type " + m.getType();
        }
        return commonProblem(m);
    }

    /** Why {@code m}, the head of a snapshot upload, must be refused; null if it may be stepped. */
    String snapshotProblem(Message m) {
        if (m.getType() != MessageType.MsgSnap) {
            return "a " + m.getType() + " on the snapshot path";
        }
        if (m.getSnapshot().getMetadata().getIndex() == 0 || m.getSnapshot().getMetadata().getTerm() == 0) {
            return "a snapshot without index or term";
        }
        return commonProblem(m);
    }

    private String commonProblem(Message m) {
        if (m.getTo() != localId) {
            return "addressed to member " + MemberIds.hex(m.getTo()) + ", not to this one";
        }
        if (m.getFrom() == 0 || m.getFrom() == localId) {
            return "from member " + MemberIds.hex(m.getFrom());
        }
        if (isRemoved.test(m.getFrom())) {
            return "from removed member " + MemberIds.hex(m.getFrom());
        }
        return switch (m.getType()) {
            case MsgProp -> proposalProblem(m);
            case MsgApp -> appendProblem(m);
            case MsgReadIndex, MsgReadIndexResp -> m.getEntriesCount() == 1 ? null
                    : "a " + m.getType() + " with " + m.getEntriesCount() + " entries instead of its one context";
            default -> null;
        };
    }

    /** A forwarded proposal: entries of request envelopes or membership changes, as a member proposes them. */
    private static String proposalProblem(Message m) {
        if (m.getEntriesCount() == 0) {
            return "an empty MsgProp";
        }
        for (Entry e : m.getEntriesList()) {
            String problem = entryProblem(e);
            if (problem != null) {
                return "a MsgProp with " + problem;
            }
        }
        return null;
    }

    /** Appends carry consecutive entries after (index, logTerm), with terms that never go back nor pass the message's. */
    private static String appendProblem(Message m) {
        long expected = m.getIndex() + 1;
        long previousTerm = m.getLogTerm();
        if (m.getLogTerm() > m.getTerm()) {
            return "a MsgApp whose log term " + m.getLogTerm() + " is above its term " + m.getTerm();
        }
        for (Entry e : m.getEntriesList()) {
            if (e.getIndex() != expected) {
                return "a MsgApp whose entry " + e.getIndex() + " should be " + expected;
            }
            if (e.getTerm() < previousTerm || e.getTerm() > m.getTerm()) {
                return "a MsgApp whose entry " + e.getIndex() + " has term " + e.getTerm() + " out of ["
                        + previousTerm + ", " + m.getTerm() + "]";
            }
            if (e.getType() != EntryType.EntryNormal && e.getType() != EntryType.EntryConfChange) {
                return "a MsgApp with an entry of type " + e.getType();
            }
            expected++;
            previousTerm = e.getTerm();
        }
        return null;
    }

    private static String entryProblem(Entry e) {
        try {
            switch (e.getType()) {
                case EntryNormal -> {
                    if (e.getData().isEmpty()) {
                        return "an empty entry";
                    }
                    RequestNesting.parseLogged(InternalRaftRequest.parser(), e.getData());
                }
                case EntryConfChange -> ConfChange.parseFrom(e.getData());
                default -> {
                    return "an entry of type " + e.getType();
                }
            }
        } catch (InvalidProtocolBufferException ex) {
            return "an entry that does not decode (" + ex.getMessage() + ")";
        }
        return null;
    }
}
