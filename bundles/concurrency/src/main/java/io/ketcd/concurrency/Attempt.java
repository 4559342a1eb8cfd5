package io.ketcd.concurrency;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One lock or campaign request while it waits: the client may give up at any step (it cancelled
 * the call, or its deadline passed), which closes the watch the request is waiting on.
 */
final class Attempt {

    /**
     * Runs {@code steps} for one request and returns its answer, failures {@link
     * Recipes#relayed}: cancelling the answer (the client gave up) cancels the attempt.
     */
    static <T> CompletableFuture<T> run(Function<Attempt, CompletableFuture<T>> steps) {
        Attempt attempt = new Attempt();
        CompletableFuture<T> answer = Recipes.relaying(steps.apply(attempt));
        answer.whenComplete((done, failure) -> {
            if (failure instanceof CancellationException) {
                attempt.cancel();
            }
        });
        return answer;
    }

    private boolean cancelled;
    private AutoCloseable waitingOn;

    /** The client gave up: the watch waited on is closed, and every later step fails. */
    void cancel() {
        AutoCloseable watch;
        synchronized (this) {
            cancelled = true;
            watch = waitingOn;
            waitingOn = null;
        }
        MemberWatch.closeQuietly(watch);
    }

    /** A future failed with {@link CancellationException}, for the step that finds the client gone. */
    static <T> CompletableFuture<T> givenUp() {
        return CompletableFuture.failedFuture(new CancellationException("the client gave up"));
    }

    /**
     * The request now waits on {@code watch}, closed at once if the client gave up meanwhile;
     * false then.
     */
    boolean waitOn(AutoCloseable watch) {
        synchronized (this) {
            if (!cancelled) {
                waitingOn = watch;
                return true;
            }
        }
        MemberWatch.closeQuietly(watch);
        return false;
    }

    synchronized boolean cancelled() {
        return cancelled;
    }
}
