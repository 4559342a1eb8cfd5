package io.ketcd.storage;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import java.util.List;

/**
 * What a WAL holds, as read by {@link Wal#readAll}.
 *
 * @param metadata the bytes given to {@link Wal#create}; a fresh copy per read
 * @param hardState the last saved hard state, or the default (empty) instance if none was saved
 * @param entries the log after the requested index, in index order, contiguous, with overwritten
 *     tails already removed; unmodifiable. It starts right after the requested index unless a
 *     snapshot marker past the entries before it lies after that index: the entries then start
 *     after the newest such marker, as raft restores from that snapshot.
 */
public record WalContents(byte[] metadata, HardState hardState, List<Entry> entries) {

    public WalContents {
        entries = List.copyOf(entries);
    }
}
