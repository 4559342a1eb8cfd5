package io.ketcd.server.lease;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.mvcc.KvStore;
import io.ketcd.proto.etcdserverpb.LeaseCheckpoint;
import io.ketcd.proto.etcdserverpb.LeaseCheckpointRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The leases of one member (etcd's {@code lease.lessor}): their TTLs, the keys attached to them,
 * and, on the primary lessor only, when they expire.
 *
 * <p>Every member applies the same grants, revokes and checkpoints from the log, so all agree on
 * which leases exist, their TTLs, checkpointed remaining TTLs and keys. Expiry is the leader's
 * alone: the member whose lessor is {@link #promote promoted} (the raft leader, once it has
 * applied its first entry of the term) gives every lease an expiry, renews leases, and tells
 * which have expired ({@link #expired}) so that the server proposes their revocation through the
 * log; every other member keeps them without expiry. A promoted lessor extends every lease by
 * the election timeout, so no lease expires early because the leader changed.
 *
 * <p>Checkpoints: when a {@link Checkpointer} is set, the primary notes every lease whose TTL is
 * longer than the checkpoint interval, and after each interval {@link #dueCheckpoints} gives its
 * remaining TTL for the server to propose; applying a checkpoint ({@link #checkpoint}) stores the
 * remaining TTL in the backend on every member, and the next primary starts the lease from it
 * instead of from its full TTL, after a leader change and after a restart alike.
 *
 * <p>Time comes from the clock given (nanoseconds, monotonic), so tests drive it. Thread-safe:
 * the apply loop grants, revokes, checkpoints and attaches; the server's lease thread asks for
 * expired leases and checkpoints; clients renew and look up, all under this object's lock.
 * Methods that write to the backend ({@link #grant}, {@link #remove}, {@link #checkpoint}) belong
 * inside the applier's backend write section.
 */
public final class Lessor implements KvStore.LeasedKeys {
    /** etcd's MaxLeaseTTL, in seconds. */
    public static final long MAX_LEASE_TTL = 9_000_000_000L;
    /** etcd's leaseRevokeRate: expired leases revoked per second at most. */
    public static final int REVOKE_RATE = 1000;
    /** etcd's maxLeaseCheckpointBatchSize. */
    public static final int MAX_CHECKPOINT_BATCH = 1000;
    /** etcd's defaultExpiredleaseRetryInterval: an expired lease is offered again after this if still not revoked. */
    static final long EXPIRED_RETRY_NANOS = Duration.ofSeconds(3).toNanos();
    static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** Proposes a checkpoint through the log; the future completes once it is applied. */
    @FunctionalInterface
    public interface Checkpointer {
        CompletableFuture<?> checkpoint(LeaseCheckpointRequest request);
    }

    private final LongSupplier clock;
    private final long minTtl;
    private final long checkpointIntervalNanos;
    private final long checkpointIntervalSeconds;
    private final Map<Long, Lease> leases = new HashMap<>();
    /** Which lease each attached key belongs to (etcd's itemMap). */
    private final Map<ByteString, Long> leaseOfKey = new HashMap<>();
    private final Deadlines expiries = new Deadlines();
    private final Deadlines checkpoints = new Deadlines();
    private LeaseBucket bucket;
    private Checkpointer checkpointer;
    /** Non-null while primary (etcd's demotec): completed when demoted. */
    private CompletableFuture<Void> demoted;

    /**
     * @param clock nanoseconds of a monotonic clock ({@code System::nanoTime})
     * @param minTtl the shortest TTL granted, in seconds; shorter ones are raised to it
     * @param checkpointInterval how long after a lease's last checkpoint (or grant, or promotion)
     *     the next is due
     */
    public Lessor(LongSupplier clock, long minTtl, Duration checkpointInterval) {
        this.clock = clock;
        this.minTtl = minTtl;
        this.checkpointIntervalNanos = checkpointInterval.toNanos();
        this.checkpointIntervalSeconds = checkpointInterval.toSeconds();
    }

    /**
     * etcd's minimum lease TTL: {@code ceil(3/2 * election ticks * heartbeat)} in seconds, so a
     * lease outlives the election its leader's loss causes (e.g. 2 s for etcd's default 100 ms
     * heartbeat and 1 s election timeout).
     */
    public static long minTtl(Duration heartbeat, Duration electionTimeout) {
        long electionTicks = electionTimeout.toMillis() / heartbeat.toMillis();
        long millis = (3 * electionTicks / 2) * heartbeat.toMillis();
        return (millis + 999) / 1000;
    }

    /** Enables checkpoints (etcd's SetCheckpointer); null disables them. */
    public synchronized void setCheckpointer(Checkpointer checkpointer) {
        this.checkpointer = checkpointer;
    }

    /**
     * Forgets every lease and loads those of {@code bucket}, without keys and without expiry
     * (etcd's Recover: the keys are attached again from the key-value store, {@link #put}); on
     * a primary lessor they get an expiry at once, where etcd waits for the next promotion.
     */
    public synchronized void recover(LeaseBucket bucket) {
        this.bucket = bucket;
        leases.values().forEach(l -> l.revoked.complete(null));
        leases.clear();
        leaseOfKey.clear();
        expiries.clear();
        checkpoints.clear();
        long now = clock.getAsLong();
        for (io.ketcd.proto.leasepb.Lease stored : bucket.all()) {
            Lease l = new Lease(stored.getID(), Math.max(stored.getTTL(), minTtl), stored.getRemainingTTL());
            leases.put(l.id, l);
            if (isPrimary()) {
                l.refresh(now, 0);
                expiries.put(l.id, l.expiry);
                scheduleCheckpoint(l, now);
            }
        }
    }

    /**
     * Grants lease {@code id}: stores it and, on the primary, starts its TTL now.
     *
     * @return the TTL granted: {@code ttl}, or the minimum TTL if shorter
     * @throws io.ketcd.api.EtcdException {@code LEASE_NOT_FOUND} for id 0 (as etcd),
     *     {@code LEASE_TTL_TOO_LARGE}, {@code LEASE_EXIST}
     */
    public synchronized long grant(long id, long ttl) {
        if (id == 0) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        if (ttl > MAX_LEASE_TTL) {
            throw EtcdError.LEASE_TTL_TOO_LARGE.exception();
        }
        if (leases.containsKey(id)) {
            throw EtcdError.LEASE_EXIST.exception();
        }
        Lease l = new Lease(id, Math.max(ttl, minTtl), 0);
        leases.put(id, l);
        bucket.put(id, l.ttl, 0);
        if (isPrimary()) {
            long now = clock.getAsLong();
            l.refresh(now, 0);
            expiries.put(id, l.expiry);
            scheduleCheckpoint(l, now);
        }
        return l.ttl;
    }

    /**
     * The keys to delete when revoking lease {@code id}, in bytewise order (every member deletes
     * them in the same order, as etcd sorts them).
     *
     * @throws io.ketcd.api.EtcdException {@code LEASE_NOT_FOUND}
     */
    public synchronized List<ByteString> keysToRevoke(long id) {
        Lease l = leases.get(id);
        if (l == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        return List.copyOf(l.keys);
    }

    /**
     * Removes a revoked lease from memory and the backend (the revoke's keys are deleted in the
     * same backend write). A renew waiting on it learns it is gone.
     */
    public synchronized void remove(long id) {
        Lease l = leases.remove(id);
        if (l == null) {
            return;
        }
        bucket.delete(id);
        expiries.remove(id);
        checkpoints.remove(id);
        for (ByteString key : l.keys) {
            leaseOfKey.remove(key, id);
        }
        l.revoked.complete(null);
    }

    /**
     * Applies a checkpoint: lease {@code id} has {@code remainingTtl} seconds left (0: its full
     * TTL), which is stored, and which the next primary starts it from. An unknown lease is
     * ignored, as in etcd (it was revoked after the checkpoint was proposed).
     */
    public synchronized void checkpoint(long id, long remainingTtl) {
        Lease l = leases.get(id);
        if (l == null) {
            return;
        }
        l.remainingTtl = remainingTtl;
        bucket.put(id, l.ttl, remainingTtl);
        if (isPrimary()) {
            scheduleCheckpoint(l, clock.getAsLong());
        }
    }

    /** Whether lease {@code id} exists (granted and not revoked), as puts with a lease ask. */
    public synchronized boolean exists(long id) {
        return leases.containsKey(id);
    }

    // ---- attachments, told by the key-value store as it writes

    /** {@code key} was written with {@code lease} (0: none): it moves to that lease's keys. */
    @Override
    public synchronized void put(ByteString key, long lease) {
        Long previous = leaseOfKey.get(key);
        if (previous != null && previous != lease) {
            detach(key, previous);
        }
        Lease l = lease == 0 ? null : leases.get(lease);
        if (l != null) {
            l.keys.add(key);
            leaseOfKey.put(key, lease);
        }
    }

    /** {@code key} was deleted: it leaves its lease. */
    @Override
    public synchronized void deleted(ByteString key) {
        Long previous = leaseOfKey.get(key);
        if (previous != null) {
            detach(key, previous);
        }
    }

    private void detach(ByteString key, long lease) {
        leaseOfKey.remove(key);
        Lease l = leases.get(lease);
        if (l != null) {
            l.keys.remove(key);
        }
    }

    // ---- the primary lessor

    public synchronized boolean isPrimary() {
        return demoted != null;
    }

    /**
     * Makes this lessor the primary (the member leads and has applied its first entry of the
     * term): every lease expires {@code extend} after its remaining TTL from now. With many
     * leases, those that would expire in the same second beyond three quarters of the revoke
     * rate are spread over later seconds, as etcd does, so a new leader does not revoke a pile
     * of them at once.
     */
    public synchronized void promote(Duration extend) {
        if (demoted == null) {
            demoted = new CompletableFuture<>();
        }
        long now = clock.getAsLong();
        long extendNanos = extend.toNanos();
        for (Lease l : leases.values()) {
            l.refresh(now, extendNanos);
            expiries.put(l.id, l.expiry);
            scheduleCheckpoint(l, now);
        }
        if (leases.size() >= REVOKE_RATE) {
            spreadExpiries(now, extendNanos);
        }
    }

    /** etcd's Promote: at most 3/4 of the revoke rate expire in any one-second window. */
    private void spreadExpiries(long now, long extendNanos) {
        List<Lease> sorted = new ArrayList<>(leases.values());
        sorted.sort(Comparator.comparingLong(l -> l.remainingNanos(now)));
        long baseWindow = sorted.get(0).remainingNanos(now);
        long nextWindow = baseWindow + NANOS_PER_SECOND;
        long expires = 0;
        long target = 3L * REVOKE_RATE / 4;
        for (Lease l : sorted) {
            long remaining = l.remainingNanos(now);
            if (remaining > nextWindow) {
                baseWindow = remaining;
                nextWindow = baseWindow + NANOS_PER_SECOND;
                expires = 1;
                continue;
            }
            expires++;
            if (expires <= target) {
                continue;
            }
            long delay = (long) (NANOS_PER_SECOND * ((double) expires / target)) - (remaining - baseWindow);
            nextWindow = baseWindow + delay;
            l.refresh(now, delay + extendNanos);
            expiries.put(l.id, l.expiry);
            scheduleCheckpoint(l, now);
        }
    }

    /** No longer primary: no lease expires here, and renews waiting on an expired lease give up. */
    public synchronized void demote() {
        for (Lease l : leases.values()) {
            l.forever = true;
        }
        expiries.clear();
        checkpoints.clear();
        if (demoted != null) {
            demoted.complete(null);
            demoted = null;
        }
    }

    /**
     * Renews lease {@code id} on the primary to its full TTL; completes with that TTL. A lease with
     * a checkpointed remaining TTL first has it cleared through the log (etcd 3.4's renew with
     * checkpoints), so that a later leader does not start it from the stale value. An expired lease
     * is not renewed: the answer waits until its revocation (then {@code LEASE_NOT_FOUND}) or the
     * lessor's demotion.
     *
     * <p>Fails with {@code LEASE_NOT_FOUND}, or with {@code NOT_LEADER} when this lessor is not the
     * primary (etcd's ErrNotPrimary), which tells the caller to ask the leader.
     */
    public CompletableFuture<Long> renew(long id) {
        Lease l;
        Checkpointer clearWith = null;
        synchronized (this) {
            if (!isPrimary()) {
                return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
            }
            l = leases.get(id);
            if (l == null) {
                return CompletableFuture.failedFuture(EtcdError.LEASE_NOT_FOUND.exception());
            }
            if (l.expired(clock.getAsLong())) {
                CompletableFuture<Long> gone = new CompletableFuture<>();
                l.revoked.thenRun(() -> gone.completeExceptionally(EtcdError.LEASE_NOT_FOUND.exception()));
                demoted.thenRun(() -> gone.completeExceptionally(EtcdError.NOT_LEADER.exception()));
                return gone;
            }
            if (checkpointer != null && l.remainingTtl > 0) {
                clearWith = checkpointer;
            }
        }
        // proposed outside the lock: the apply loop takes it to apply the checkpoint
        CompletableFuture<?> cleared = clearWith == null ? CompletableFuture.completedFuture(null)
                : clearWith.checkpoint(LeaseCheckpointRequest.newBuilder()
                        .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0)).build());
        // etcd ignores a failed clearing checkpoint too: the renew itself needs no log entry
        return cleared.handle((r, e) -> refresh(l));
    }

    private synchronized long refresh(Lease l) {
        if (leases.get(l.id) != l) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        if (!isPrimary()) {
            throw EtcdError.NOT_LEADER.exception();
        }
        // the full TTL, whether or not the clearing checkpoint has been applied yet
        l.expiry = clock.getAsLong() + l.ttl * NANOS_PER_SECOND;
        l.forever = false;
        expiries.put(l.id, l.expiry);
        return l.ttl;
    }

    /**
     * Up to {@code limit} leases that have expired, for the caller to revoke through the log; on
     * the primary only. Each is offered again after etcd's retry interval of 3 s if it is still
     * there by then (its revocation failed, e.g. for a leader change).
     */
    public synchronized List<Long> expired(int limit) {
        List<Long> out = new ArrayList<>();
        if (!isPrimary()) {
            return out;
        }
        long now = clock.getAsLong();
        while (out.size() < limit) {
            Long id = expiries.pollDue(now);
            if (id == null) {
                break;
            }
            Lease l = leases.get(id);
            if (l == null || !l.expired(now)) {
                if (l != null && !l.forever) {
                    expiries.put(id, l.expiry);
                }
                continue;
            }
            expiries.put(id, now + EXPIRED_RETRY_NANOS);
            out.add(id);
        }
        return out;
    }

    /**
     * Up to {@code limit} checkpoints that are due, on the primary with a checkpointer only: for
     * each lease whose interval has passed, its remaining TTL in whole seconds rounded up; leases
     * expired or still at their full TTL are left out (etcd's findDueScheduledCheckpoints).
     */
    public synchronized List<LeaseCheckpoint> dueCheckpoints(int limit) {
        List<LeaseCheckpoint> out = new ArrayList<>();
        if (!isPrimary() || checkpointer == null) {
            return out;
        }
        long now = clock.getAsLong();
        while (out.size() < limit) {
            Long id = checkpoints.pollDue(now);
            if (id == null) {
                break;
            }
            Lease l = leases.get(id);
            if (l == null || l.expired(now)) {
                continue;
            }
            long remaining = ceilSeconds(l.remainingNanos(now));
            if (remaining >= l.ttl) {
                continue;
            }
            out.add(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining).build());
        }
        return out;
    }

    /** etcd schedules a checkpoint only for leases whose remaining TTL outlasts the interval. */
    private void scheduleCheckpoint(Lease l, long now) {
        if (checkpointer != null && l.remainingOrTtl() > checkpointIntervalSeconds) {
            checkpoints.put(l.id, now + checkpointIntervalNanos);
        }
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    }

    // ---- questions

    /** Lease {@code id} now, with its keys if {@code withKeys}; empty if there is none. */
    public synchronized Optional<LeaseInfo> lookup(long id, boolean withKeys) {
        Lease l = leases.get(id);
        if (l == null) {
            return Optional.empty();
        }
        return Optional.of(info(l, clock.getAsLong(), withKeys));
    }

    /** Every lease now, the soonest to expire first (etcd's Leases); without keys. */
    public synchronized List<LeaseInfo> leases() {
        long now = clock.getAsLong();
        List<Lease> sorted = new ArrayList<>(leases.values());
        sorted.sort(Comparator.<Lease>comparingLong(l -> l.remainingNanos(now)).thenComparingLong(l -> l.id));
        return sorted.stream().map(l -> info(l, now, false)).toList();
    }

    private static LeaseInfo info(Lease l, long now, boolean withKeys) {
        return new LeaseInfo(l.id, l.ttl, l.remainingNanos(now) / NANOS_PER_SECOND, withKeys ? List.copyOf(l.keys) : List.of());
    }
}
