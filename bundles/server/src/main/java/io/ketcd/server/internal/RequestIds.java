package io.ketcd.server.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique request ids, generated as etcd's {@code idutil.Generator} does: the low 2 bytes of the
 * member id, then 5 bytes of the start time in milliseconds, then a counter; so ids from
 * different members, and from restarts of one member, do not collide.
 */
final class RequestIds {
    private final AtomicLong next;

    RequestIds(long memberId, long nowMillis) {
        long prefix = (memberId & 0xFFFFL) << 48;
        long time = (nowMillis & 0xFF_FFFF_FFFFL) << 8;
        this.next = new AtomicLong(prefix | time);
    }

    long next() {
        return next.incrementAndGet();
    }
}
