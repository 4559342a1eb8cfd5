package io.ketcd.mvcc;

import io.ketcd.proto.mvccpb.Event;

import java.util.List;

/**
 * What a {@link WatchStream} delivers for one of its watchers (etcd's {@code mvcc.WatchResponse}):
 * events in revision order, then sub-revision order; or, with no events, a progress notice that
 * the watcher has seen everything up to {@code revision}; or, with {@code compactRevision} set,
 * the end of a watcher whose next revision was compacted away.
 *
 * @param revision the store revision the batch reflects (etcd's response header revision)
 * @param attachment what the stream's owner attached to the watcher when it started it
 */
public record WatchBatch(long watchId, List<Event> events, long revision, long compactRevision, Object attachment) {

    /** A batch telling that {@code w}'s history was compacted at {@code compactRevision}. */
    static WatchBatch compacted(Watcher w, long compactRevision) {
        return new WatchBatch(w.id, List.of(), 0, compactRevision, w.attachment);
    }

    /** True for a progress notice: no events and no compaction. */
    public boolean isProgress() {
        return events.isEmpty() && compactRevision == 0;
    }
}
