package io.ketcd.server.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The index of the last applied log entry, and futures that complete once it reaches a given
 * index: how a linearizable read waits for its read index to be applied.
 */
final class AppliedIndex {
    private final Object lock = new Object();
    // guarded by lock: waiters by the index they wait for; several reads may share one index
    private final TreeMap<Long, CompletableFuture<Void>> waiting = new TreeMap<>();
    private volatile long applied;

    AppliedIndex(long initial) {
        this.applied = initial;
    }

    long get() {
        return applied;
    }

    /** Completes when the applied index is at least {@code index}; at once if it already is. */
    CompletableFuture<Void> await(long index) {
        if (applied >= index) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (lock) {
            if (applied >= index) {
                return CompletableFuture.completedFuture(null);
            }
            return waiting.computeIfAbsent(index, i -> new CompletableFuture<>());
        }
    }

    /** Called by the apply loop only, with increasing indexes. */
    void advance(long index) {
        Map<Long, CompletableFuture<Void>> due;
        synchronized (lock) {
            applied = index;
            if (waiting.isEmpty() || waiting.firstKey() > index) {
                return;
            }
            Map<Long, CompletableFuture<Void>> head = waiting.headMap(index, true);
            due = new TreeMap<>(head);
            head.clear();
        }
        for (CompletableFuture<Void> f : due.values()) {
            f.complete(null);
        }
    }

    void failAll(Throwable error) {
        Map<Long, CompletableFuture<Void>> all;
        synchronized (lock) {
            all = new TreeMap<>(waiting);
            waiting.clear();
        }
        for (CompletableFuture<Void> f : all.values()) {
            f.completeExceptionally(error);
        }
    }
}
