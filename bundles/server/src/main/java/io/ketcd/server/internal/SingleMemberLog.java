package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;

import java.util.ArrayList;
import java.util.List;

/**
 * The log of a one-member group, where an entry is committed as soon as it is durable: the
 * stand-in for the raft core until ketcd runs on raft. It already speaks raft's vocabulary
 * (terms, indexes, hard state, a leader's empty entry after election) so that the raft loop
 * driving it keeps its shape when a {@code RawNode} takes its place.
 *
 * <p>Not thread-safe: owned by the raft loop thread.
 */
final class SingleMemberLog {
    private final long memberId;
    private long term;
    private long vote;
    private long lastIndex;

    SingleMemberLog(long memberId, HardState state, long lastIndex) {
        this.memberId = memberId;
        this.term = state.getTerm();
        this.vote = state.getVote();
        this.lastIndex = lastIndex;
    }

    /**
     * Starts a new term with this member as leader, as winning an election would: the term is
     * bumped, the vote goes to itself, and the leader's empty entry is appended.
     */
    List<Entry> becomeLeader() {
        term++;
        vote = memberId;
        return List.of(next(EntryType.EntryNormal, ByteString.EMPTY));
    }

    /** Appends one normal entry per proposal, in order. */
    List<Entry> append(List<ByteString> proposals) {
        List<Entry> out = new ArrayList<>(proposals.size());
        for (ByteString data : proposals) {
            out.add(next(EntryType.EntryNormal, data));
        }
        return out;
    }

    /** Appends configuration change entries (used when bootstrapping a new cluster). */
    List<Entry> appendConfChanges(List<ByteString> changes) {
        List<Entry> out = new ArrayList<>(changes.size());
        for (ByteString data : changes) {
            out.add(next(EntryType.EntryConfChange, data));
        }
        return out;
    }

    /** Everything appended is committed once it is durable: commit is the last index. */
    HardState hardState() {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(lastIndex).build();
    }

    long term() {
        return term;
    }

    long lastIndex() {
        return lastIndex;
    }

    private Entry next(EntryType type, ByteString data) {
        return Entry.newBuilder().setTerm(term).setIndex(++lastIndex).setType(type).setData(data).build();
    }
}
