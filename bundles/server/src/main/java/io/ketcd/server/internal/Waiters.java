package io.ketcd.server.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Futures of proposed requests, keyed by request id (etcd's {@code wait.Wait}). The apply loop
 * triggers a waiter when the entry carrying its request is applied; entries proposed by other
 * members or replayed from the WAL have no waiter here and trigger nothing.
 */
final class Waiters {
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();

    /** Registers a waiter; the id must be unique among pending requests. */
    CompletableFuture<Object> register(long id) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (pending.putIfAbsent(id, f) != null) {
            throw new IllegalStateException("duplicate request id " + Long.toHexString(id));
        }
        return f;
    }

    void complete(long id, Object result) {
        CompletableFuture<Object> f = pending.remove(id);
        if (f != null) {
            f.complete(result);
        }
    }

    void fail(long id, Throwable error) {
        CompletableFuture<Object> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(error);
        }
    }

    /** Fails every pending waiter, as when the server stops. */
    void failAll(Throwable error) {
        for (Long id : pending.keySet()) {
            fail(id, error);
        }
    }

    int size() {
        return pending.size();
    }
}
