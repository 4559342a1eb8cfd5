package io.ketcd.testing.fakes;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** What a fake facet method returns for the request it got; a test sets one per method it cares about. */
@FunctionalInterface
public interface Answer<Q, R> extends Function<Q, CompletableFuture<R>> {

    /** Completes at once with {@code response}. */
    static <Q, R> Answer<Q, R> with(R response) {
        return request -> CompletableFuture.completedFuture(response);
    }

    /** Completes at once exceptionally with {@code failure}, e.g. an {@code EtcdError}'s exception. */
    static <Q, R> Answer<Q, R> failing(Throwable failure) {
        return request -> CompletableFuture.failedFuture(failure);
    }

    /** Throws {@code failure} instead of returning a future, as a broken service might. */
    static <Q, R> Answer<Q, R> throwing(RuntimeException failure) {
        return request -> {
            throw failure;
        };
    }

    /** Never completes: a member that does not answer. */
    static <Q, R> Answer<Q, R> never() {
        return request -> new CompletableFuture<>();
    }
}
