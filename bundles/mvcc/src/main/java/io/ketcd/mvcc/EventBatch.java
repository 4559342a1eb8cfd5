package io.ketcd.mvcc;

import io.ketcd.proto.mvccpb.Event;

import java.util.ArrayList;
import java.util.List;

/** The events one watcher is due from one notification or one history read, in revision order. */
final class EventBatch {
    final List<Event> events = new ArrayList<>(2);

    void add(Event e) {
        events.add(e);
    }
}
