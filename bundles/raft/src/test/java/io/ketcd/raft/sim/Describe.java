package io.ketcd.raft.sim;

import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Short, stable text forms of raft types for the trace (after etcd-io/raft's DescribeMessage). */
final class Describe {
    private Describe() {
    }

    static String hardState(HardState hs) {
        return "t" + hs.getTerm() + " v" + hs.getVote() + " c" + hs.getCommit();
    }

    static String entry(Entry e) {
        StringBuilder sb = new StringBuilder();
        sb.append(e.getTerm()).append('/').append(e.getIndex());
        if (e.getType() != EntryType.EntryNormal) {
            sb.append(e.getType() == EntryType.EntryConfChange ? " CC" : " CCv2");
        } else {
            sb.append(' ').append(data(e.getData()));
        }
        return sb.toString();
    }

    static String entries(List<Entry> es) {
        if (es.isEmpty()) {
            return "[]";
        }
        if (es.size() <= 4) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < es.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(entry(es.get(i)));
            }
            return sb.append(']').toString();
        }
        return "[" + entry(es.get(0)) + " .. " + entry(es.get(es.size() - 1)) + " (" + es.size() + ")]";
    }

    static String data(ByteString d) {
        if (d.isEmpty()) {
            return "\"\"";
        }
        if (d.size() <= 24) {
            boolean printable = true;
            for (int i = 0; i < d.size(); i++) {
                byte b = d.byteAt(i);
                printable &= b >= 0x20 && b < 0x7f;
            }
            if (printable) {
                return "\"" + d.toString(StandardCharsets.US_ASCII) + "\"";
            }
        }
        return "<" + d.size() + " bytes>";
    }

    static String message(Message m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.getFrom()).append("->").append(m.getTo()).append(' ').append(m.getType().name())
                .append(" t").append(m.getTerm());
        switch (m.getType()) {
            case MsgApp, MsgAppResp, MsgVote, MsgPreVote, MsgVoteResp, MsgPreVoteResp, MsgHeartbeat,
                    MsgHeartbeatResp, MsgReadIndex, MsgReadIndexResp, MsgProp, MsgSnap ->
                    sb.append(" lt").append(m.getLogTerm()).append(" i").append(m.getIndex())
                            .append(" c").append(m.getCommit());
            default -> {
            }
        }
        if (m.getReject()) {
            sb.append(" REJ(hint ").append(m.getRejectHint()).append(')');
        }
        if (m.getEntriesCount() > 0) {
            sb.append(' ').append(entries(m.getEntriesList()));
        }
        if (m.hasSnapshot() && m.getSnapshot().getMetadata().getIndex() > 0) {
            sb.append(" snap ").append(m.getSnapshot().getMetadata().getTerm()).append('/')
                    .append(m.getSnapshot().getMetadata().getIndex());
        }
        if (!m.getContext().isEmpty()) {
            sb.append(" ctx ").append(data(m.getContext()));
        }
        return sb.toString();
    }

    static String confState(ConfState cs) {
        StringBuilder sb = new StringBuilder("voters=").append(cs.getVotersList());
        if (cs.getLearnersCount() > 0) {
            sb.append(" learners=").append(cs.getLearnersList());
        }
        if (cs.getVotersOutgoingCount() > 0) {
            sb.append(" outgoing=").append(cs.getVotersOutgoingList());
        }
        return sb.toString();
    }
}
