package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.proto.mvccpb.Event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A set of watchers indexed for matching events (etcd's {@code watcherGroup}): single-key
 * watchers by key, range watchers by their distinct range, so that a thousand watchers of one
 * prefix cost one range test per event.
 */
final class WatcherGroup {
    private record Range(ByteString key, ByteString end) {
    }

    private final Set<Watcher> all = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
    private final Map<Range, Set<Watcher>> byRange = new HashMap<>();

    void add(Watcher w) {
        if (!all.add(w)) {
            throw new IllegalStateException("watcher " + w.id + " added twice");
        }
        if (w.isRange()) {
            byRange.computeIfAbsent(new Range(w.key, w.end), r -> newSet()).add(w);
        } else {
            byKey.computeIfAbsent(w.key, k -> newSet()).add(w);
        }
    }

    /** Removes {@code w}; false when it was not in this group. */
    boolean delete(Watcher w) {
        if (!all.remove(w)) {
            return false;
        }
        if (w.isRange()) {
            Range r = new Range(w.key, w.end);
            Set<Watcher> set = byRange.get(r);
            set.remove(w);
            if (set.isEmpty()) {
                byRange.remove(r);
            }
        } else {
            Set<Watcher> set = byKey.get(w.key);
            set.remove(w);
            if (set.isEmpty()) {
                byKey.remove(w.key);
            }
        }
        return true;
    }

    boolean contains(Watcher w) {
        return all.contains(w);
    }

    int size() {
        return all.size();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    /** The watchers, for iterating while not changing the group. */
    Set<Watcher> watchers() {
        return all;
    }

    /** Whether any watcher of the group watches {@code key}. */
    boolean watches(ByteString key) {
        if (byKey.containsKey(key)) {
            return true;
        }
        for (Map.Entry<Range, Set<Watcher>> e : byRange.entrySet()) {
            if (e.getValue().iterator().next().contains(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The events each watcher of the group is due (etcd's {@code newWatcherBatch}): those on its
     * keys at or after its {@code minRev}, in the order given. Watchers due nothing are absent.
     */
    Map<Watcher, List<Event>> batches(List<Event> events) {
        Map<Watcher, List<Event>> out = new LinkedHashMap<>();
        forEachDue(events, out::put);
        return out;
    }

    /**
     * Calls {@code due} once for each watcher of the group due some of {@code events}, with those
     * events in the order given (the list must not be changed). One event, the common write, is
     * handed to every watcher as the very list given, with no per-watcher collection.
     */
    void forEachDue(List<Event> events, BiConsumer<Watcher, List<Event>> due) {
        if (all.isEmpty()) {
            return;
        }
        if (events.size() == 1) {
            Event e = events.get(0);
            forEachWatching(e, w -> {
                if (e.getKv().getModRevision() >= w.minRev) {
                    due.accept(w, events);
                }
            });
            return;
        }
        Map<Watcher, List<Event>> out = new LinkedHashMap<>();
        for (Event e : events) {
            long rev = e.getKv().getModRevision();
            forEachWatching(e, w -> {
                if (rev >= w.minRev) {
                    out.computeIfAbsent(w, x -> new ArrayList<>(2)).add(e);
                }
            });
        }
        out.forEach(due);
    }

    private void forEachWatching(Event e, Consumer<Watcher> action) {
        ByteString k = e.getKv().getKey();
        Set<Watcher> exact = byKey.get(k);
        if (exact != null) {
            exact.forEach(action);
        }
        for (Set<Watcher> set : byRange.values()) {
            if (set.iterator().next().contains(k)) {
                set.forEach(action);
            }
        }
    }

    private static Set<Watcher> newSet() {
        return Collections.newSetFromMap(new IdentityHashMap<>(4));
    }
}
