package io.ketcd.grpc.internal;

import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdException;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a unary call with the future a service facet ({@link io.ketcd.api.service}) returns.
 *
 * <p>A small answer (most are: a put's, a lease's, a short range's) is sent from the thread that
 * completes the future, often the server's apply loop: serialising it costs less than waking an
 * executor thread to do it, and the hand-off was a fifth of a one-client put's latency. A larger
 * one is sent from the gRPC executor, so that serialising it never holds up the server. Errors
 * become statuses by {@link #status(Throwable)}.
 */
final class UnaryReplies {
    private static final Logger LOG = LoggerFactory.getLogger(UnaryReplies.class);
    /** Answers up to this size are serialised on the completing thread. */
    static final int INLINE_REPLY_BYTES = 16 << 10;

    private final Executor executor;

    UnaryReplies(Executor executor) {
        this.executor = executor;
    }

    /** Where answers are sent from. */
    Executor executor() {
        return executor;
    }

    /**
     * Calls {@code call} and completes {@code observer} with its outcome; a call that throws
     * instead of returning a failed future is answered the same way.
     */
    <T> void reply(String method, Supplier<CompletableFuture<T>> call, StreamObserver<T> observer) {
        try {
            call.get().whenComplete((response, failure) -> {
                if (response instanceof MessageLite m && m.getSerializedSize() > INLINE_REPLY_BYTES) {
                    executor.execute(() -> answer(method, response, failure, observer));
                } else {
                    answer(method, response, failure, observer);
                }
            });
        } catch (RuntimeException e) {
            fail(method, e, observer);
        }
    }

    /**
     * As {@link #reply}, for a call that may wait as long as the client lets it (a lock, a
     * campaign): when the client cancels the call, or its deadline passes, the future is
     * cancelled, and nothing is answered.
     */
    <T> void replyUntilCancelled(String method, Supplier<CompletableFuture<T>> call, StreamObserver<T> observer) {
        CompletableFuture<T> pending;
        try {
            pending = call.get();
        } catch (RuntimeException e) {
            fail(method, e, observer);
            return;
        }
        ServerCallStreamObserver<T> serverCall = (ServerCallStreamObserver<T>) observer;
        serverCall.setOnCancelHandler(() -> pending.cancel(false));
        // a call closed before the answer (at its deadline, by Deadlines) is over too; after the
        // answer, cancelling the completed future does nothing
        serverCall.setOnCloseHandler(() -> pending.cancel(false));
        reply(method, () -> pending, observer);
    }

    private static <T> void answer(String method, T response, Throwable failure, StreamObserver<T> observer) {
        if (unwrap(failure) instanceof CancellationException) {
            return; // cancelled because the client went away: there is no one to answer
        }
        if (failure != null) {
            fail(method, failure, observer);
        } else if (response == null) {
            fail(method, new IllegalStateException("no response"), observer);
        } else {
            observer.onNext(response);
            observer.onCompleted();
        }
    }

    private static void fail(String method, Throwable failure, StreamObserver<?> observer) {
        Throwable cause = unwrap(failure);
        if (!(cause instanceof EtcdException)) {
            LOG.warn("{} failed", method, cause);
        }
        observer.onError(status(cause).asRuntimeException());
    }

    /**
     * An {@link EtcdException} keeps etcd's exact code and message, which clients match on;
     * anything else is a ketcd bug and becomes INTERNAL with its message.
     */
    static Status status(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof EtcdException e) {
            return Status.fromCodeValue(e.code().value()).withDescription(e.error().message());
        }
        String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
        return Status.INTERNAL.withDescription(message).withCause(cause);
    }

    /** {@code failure} without the wrappers futures put around it; null for null. */
    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
