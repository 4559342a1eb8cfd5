package io.ketcd.server.lease;

import com.google.protobuf.ByteString;

import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One lease as the {@link Lessor} keeps it in memory (etcd's {@code lease.Lease}); every field but
 * the final ones is guarded by the lessor.
 */
final class Lease {
    final long id;
    /** Granted TTL in seconds, at least the lessor's minimum. */
    final long ttl;
    /** The last checkpointed remaining TTL in seconds; 0 means unset, the full TTL applies. */
    long remainingTtl;
    /** When the lease expires on the lessor's clock, unless {@link #forever}. */
    long expiry;
    /** No expiry: the lessor is not primary (etcd's zero time). */
    boolean forever = true;
    /** The attached keys, in etcd's order for deleting them (bytewise), so every member deletes alike. */
    final TreeSet<ByteString> keys = new TreeSet<>(ByteString.unsignedLexicographicalComparator());
    /** Completed once the lease is revoked: a renew of an expired lease waits for it, as etcd's revokec. */
    final CompletableFuture<Void> revoked = new CompletableFuture<>();

    Lease(long id, long ttl, long remainingTtl) {
        this.id = id;
        this.ttl = ttl;
        this.remainingTtl = remainingTtl;
    }

    /** etcd's RemainingTTL: the checkpointed remaining TTL if set, else the full TTL; seconds. */
    long remainingOrTtl() {
        return remainingTtl > 0 ? remainingTtl : ttl;
    }

    /** Expires {@code extendNanos} after its remaining TTL from {@code now} (etcd's refresh). */
    void refresh(long now, long extendNanos) {
        expiry = now + extendNanos + remainingOrTtl() * Lessor.NANOS_PER_SECOND;
        forever = false;
    }

    /** Nanoseconds left at {@code now}; negative once expired, {@link Long#MAX_VALUE} when forever. */
    long remainingNanos(long now) {
        return forever ? Long.MAX_VALUE : expiry - now;
    }

    boolean expired(long now) {
        return remainingNanos(now) <= 0;
    }
}
