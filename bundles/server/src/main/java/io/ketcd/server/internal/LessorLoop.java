package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.LeaseCheckpoint;
import io.ketcd.proto.etcdserverpb.LeaseCheckpointRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.server.lease.Lessor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.ketcd.proto.serverpb.InternalRaftRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary lessor's duties, run every {@link #INTERVAL_MILLIS} on the member's lease thread
 * (etcd's lessor runLoop with the server's revokeExpiredLeases): expired leases are revoked
 * through the log, so every member deletes their keys at the same revision, at most half the
 * revoke rate per round and {@link #MAX_PENDING_REVOKES} proposals in flight; due checkpoints are
 * proposed in batches of up to {@link Lessor#MAX_CHECKPOINT_BATCH}. On a member whose lessor is
 * not the primary both find nothing.
 */
final class LessorLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LessorLoop.class);
    /** etcd's lessor checks every 500 ms. */
    static final long INTERVAL_MILLIS = 500;
    /** etcd's maxPendingRevokes. */
    static final int MAX_PENDING_REVOKES = 16;
    /** etcd's leaseCheckpointRate / 2 batches at most per round. */
    static final int MAX_CHECKPOINT_BATCHES = 1000 / 2;

    private final Lessor lessor;
    /** Proposes a request of the member's own and completes once it is applied. */
    private final Function<InternalRaftRequest.Builder, CompletableFuture<?>> propose;
    /** Expired leases waiting for a free proposal slot; guarded by this. */
    private final Deque<Long> toRevoke = new ArrayDeque<>();
    private int revoking;

    LessorLoop(Lessor lessor, Function<InternalRaftRequest.Builder, CompletableFuture<?>> propose) {
        this.lessor = lessor;
        this.propose = propose;
    }

    @Override
    public void run() {
        try {
            revokeExpired();
            proposeDueCheckpoints();
        } catch (RuntimeException e) {
            // the next round tries again; a broken member is stopped by its loops, not here
            LOG.warn("lessor round failed: {}", e.toString());
        }
    }

    private void revokeExpired() {
        synchronized (this) {
            // a lease is offered again after 3 s while not revoked: queue it once
            int room = Lessor.REVOKE_RATE / 2 - toRevoke.size();
            if (room <= 0) {
                return;
            }
            for (long id : lessor.expired(room)) {
                if (!toRevoke.contains(id)) {
                    toRevoke.add(id);
                }
            }
        }
        startRevokes();
    }

    private void startRevokes() {
        while (true) {
            long id;
            synchronized (this) {
                if (revoking >= MAX_PENDING_REVOKES || toRevoke.isEmpty()) {
                    return;
                }
                id = toRevoke.poll();
                revoking++;
            }
            propose.apply(InternalRaftRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            LOG.warn("failed to revoke lease {}: {}", String.format("%016x", id), e.toString());
                        }
                        synchronized (this) {
                            revoking--;
                        }
                        startRevokes();
                    });
        }
    }

    private void proposeDueCheckpoints() {
        for (int i = 0; i < MAX_CHECKPOINT_BATCHES; i++) {
            List<LeaseCheckpoint> due = lessor.dueCheckpoints(Lessor.MAX_CHECKPOINT_BATCH);
            if (!due.isEmpty()) {
                propose.apply(InternalRaftRequest.newBuilder()
                        .setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder().addAllCheckpoints(due)))
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                LOG.debug("lease checkpoint of {} leases failed: {}", due.size(), e.toString());
                            }
                        });
            }
            if (due.size() < Lessor.MAX_CHECKPOINT_BATCH) {
                return;
            }
        }
    }
}
