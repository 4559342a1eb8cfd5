package io.ketcd.server.lease;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lease ids by the time something is due for them (an expiry check, a checkpoint), earliest
 * first, at most one time per lease: registering a lease again moves it (etcd's
 * LeaseExpiredNotifier's RegisterOrUpdate). Not thread-safe; the {@link Lessor} guards it.
 */
final class Deadlines {
    private record Due(long at, long id) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(id, o.id);
        }
    }

    private final TreeSet<Due> queue = new TreeSet<>();
    private final Map<Long, Due> byId = new HashMap<>();

    /** Sets lease {@code id} due at {@code at} (nanos of the lessor's clock), replacing its earlier time. */
    void put(long id, long at) {
        Due previous = byId.put(id, new Due(at, id));
        if (previous != null) {
            queue.remove(previous);
        }
        queue.add(byId.get(id));
    }

    void remove(long id) {
        Due previous = byId.remove(id);
        if (previous != null) {
            queue.remove(previous);
        }
    }

    /** The earliest lease id due at or before {@code now}, removed; null if none is due (ids may be any long). */
    Long pollDue(long now) {
        Due first = queue.isEmpty() ? null : queue.first();
        if (first == null || first.at() - now > 0) {
            return null;
        }
        queue.pollFirst();
        byId.remove(first.id());
        return first.id();
    }

    void clear() {
        queue.clear();
        byId.clear();
    }

    int size() {
        return byId.size();
    }
}
