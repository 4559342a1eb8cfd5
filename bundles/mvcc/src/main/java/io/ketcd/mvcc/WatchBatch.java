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
 */
public record WatchBatch(long watchId, List<Event> events, long revision, long compactRevision) {

    /** A batch telling that the watcher's history was compacted at {@code compactRevision}. */
    static WatchBatch compacted(long watchId, long compactRevision) {
        return new WatchBatch(watchId, List.of(), 0, compactRevision);
    }

    /** True for a progress notice: no events and no compaction. */
    public boolean isProgress() {
        return events.isEmpty() && compactRevision == 0;
    }
}
