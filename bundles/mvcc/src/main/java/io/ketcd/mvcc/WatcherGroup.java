package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.proto.mvccpb.Event;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    Map<Watcher, EventBatch> batches(List<Event> events) {
        if (all.isEmpty()) {
            return Map.of();
        }
        Map<Watcher, EventBatch> out = new LinkedHashMap<>();
        for (Event e : events) {
            ByteString k = e.getKv().getKey();
            long rev = e.getKv().getModRevision();
            Set<Watcher> exact = byKey.get(k);
            if (exact != null) {
                for (Watcher w : exact) {
                    due(out, w, e, rev);
                }
            }
            for (Map.Entry<Range, Set<Watcher>> r : byRange.entrySet()) {
                Set<Watcher> set = r.getValue();
                if (set.iterator().next().contains(k)) {
                    for (Watcher w : set) {
                        due(out, w, e, rev);
                    }
                }
            }
        }
        return out;
    }

    private static void due(Map<Watcher, EventBatch> out, Watcher w, Event e, long rev) {
        if (rev >= w.minRev) {
            out.computeIfAbsent(w, x -> new EventBatch()).add(e);
        }
    }

    private static Set<Watcher> newSet() {
        return Collections.newSetFromMap(new IdentityHashMap<>(4));
    }
}
