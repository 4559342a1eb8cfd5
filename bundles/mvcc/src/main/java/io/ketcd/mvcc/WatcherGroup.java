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
    /** A key's one watcher, or the set of its watchers when it has several: most keys have one. */
    private final Map<ByteString, Object> byKey = new HashMap<>();
    private final Map<Range, Set<Watcher>> byRange = new HashMap<>();

    void add(Watcher w) {
        if (!all.add(w)) {
            throw new IllegalStateException("watcher " + w.id + " added twice");
        }
        if (w.isRange()) {
            byRange.computeIfAbsent(new Range(w.key, w.end), r -> newSet()).add(w);
        } else {
            byKey.merge(w.key, w, WatcherGroup::joined);
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
            byKey.computeIfPresent(w.key, (k, v) -> without(v, w));
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
        for (Event e : events) {
            long rev = e.getKv().getModRevision();
            forEachWatching(e, w -> {
                if (rev >= w.minRev) {
                    out.computeIfAbsent(w, x -> new ArrayList<>(2)).add(e);
                }
            });
        }
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
        batches(events).forEach(due);
    }

    private void forEachWatching(Event e, Consumer<Watcher> action) {
        ByteString k = e.getKv().getKey();
        Object exact = byKey.get(k);
        if (exact instanceof Watcher one) {
            action.accept(one);
        } else if (exact != null) {
            watchersIn(exact).forEach(action);
        }
        for (Set<Watcher> set : byRange.values()) {
            if (set.iterator().next().contains(k)) {
                set.forEach(action);
            }
        }
    }

    private static Object joined(Object present, Object added) {
        if (present instanceof Watcher one) {
            Set<Watcher> set = newSet();
            set.add(one);
            set.add((Watcher) added);
            return set;
        }
        watchersIn(present).add((Watcher) added);
        return present;
    }

    /** What stays of a key's watchers without {@code w}: null when none. */
    private static Object without(Object present, Watcher w) {
        if (present == w) {
            return null;
        }
        if (present instanceof Watcher) {
            return present;
        }
        Set<Watcher> set = watchersIn(present);
        set.remove(w);
        return set.size() == 1 ? set.iterator().next() : set;
    }

    @SuppressWarnings("unchecked")
    private static Set<Watcher> watchersIn(Object several) {
        return (Set<Watcher>) several;
    }

    private static Set<Watcher> newSet() {
        return Collections.newSetFromMap(new IdentityHashMap<>(4));
    }
}
