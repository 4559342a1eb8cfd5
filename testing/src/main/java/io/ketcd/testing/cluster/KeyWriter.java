package io.ketcd.testing.cluster;

import java.util.concurrent.CompletableFuture;

/** Puts a key through a cluster as that kind of cluster's clients do: a member's facet, or a real etcd client. */
@FunctionalInterface
public interface KeyWriter {
    /** Puts {@code key} with the key as its value; completes once the write is acknowledged. */
    CompletableFuture<?> put(String key);
}
