package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.mvcc.internal.Bytes;
import io.ketcd.proto.mvccpb.Event;

import java.util.ArrayList;
import java.util.List;

/**
 * One watch of a {@link WatchStream} (etcd's {@code watcher}). Its mutable fields belong to the
 * {@link WatchableStore}, which changes them only while holding its lock.
 */
final class Watcher {
    final long id;
    final ByteString key;
    /** As {@link Bytes#indexEnd}: null for one key, empty for every key from {@link #key} on. */
    final ByteString end;
    private final boolean noPut;
    private final boolean noDelete;
    final WatchStream stream;
    /** What the stream's owner attached to this watcher; handed back with each of its batches. */
    final Object attachment;

    /** The first revision this watcher has not been sent yet. */
    long minRev;
    /** Removed because its next revision was compacted. */
    boolean compacted;

    Watcher(long id, ByteString key, ByteString end, boolean noPut, boolean noDelete, long minRev, WatchStream stream,
            Object attachment) {
        this.id = id;
        this.key = key;
        this.end = end;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.minRev = minRev;
        this.stream = stream;
        this.attachment = attachment;
    }

    boolean isRange() {
        return end != null;
    }

    boolean contains(ByteString k) {
        return Bytes.inRange(k, key, end);
    }

    /**
     * Offers the watcher's events (filtered by its filters) to its stream without waiting (etcd's
     * {@code watcher.send}); false when the stream is full. A batch whose every event the filters
     * drop is not sent, and counts as sent.
     */
    boolean send(List<Event> events, long revision) {
        List<Event> kept = events;
        if ((noPut || noDelete) && !events.isEmpty()) {
            kept = new ArrayList<>(events.size());
            for (Event e : events) {
                boolean put = e.getType() == Event.EventType.PUT;
                if (put ? !noPut : !noDelete) {
                    kept.add(e);
                }
            }
            if (kept.isEmpty()) {
                return true;
            }
        }
        return stream.offer(new WatchBatch(id, kept, revision, 0, attachment));
    }
}
