package io.ketcd.api.raft;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.List;

/**
 * One batch of work produced by a {@link RaftNode}, to be handled in this order: persist
 * {@link #snapshot()}, {@link #entries()} and {@link #hardState()} (fsync when {@link
 * #mustSync()}), then send {@link #messages()}, then apply the snapshot and {@link
 * #committedEntries()}, then call {@link RaftNode#advance(Ready)}.
 *
 * <p>All lists are immutable and never null.
 *
 * @param softState volatile state (leader, role) if it changed since the last Ready, else null
 * @param hardState term, vote and commit to persist if changed since the last Ready, else null
 * @param readStates read points confirmed since the last Ready, in request order
 * @param entries entries to append to stable storage BEFORE sending {@link #messages()};
 *     they may overwrite a conflicting tail of the stored log
 * @param snapshot a snapshot to persist and apply, or null
 * @param committedEntries entries to apply to the state machine, in index order; already
 *     persisted in an earlier (or this) Ready
 * @param messages messages to send once {@code entries} and {@code hardState} are durable
 * @param mustSync whether the writes must be fsynced before messages are sent (true when
 *     entries, or the term or vote, changed)
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        List<ReadState> readStates,
        List<Entry> entries,
        Snapshot snapshot,
        List<Entry> committedEntries,
        List<Message> messages,
        boolean mustSync) {

    public Ready {
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
    }
}
