package io.ketcd.grpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.LeaseService;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Lease/LeaseKeepAlive} stream, served as etcd's leaseKeepAlive loop serves it: one
 * keep-alive at a time, in order, each answered before the next is read (the stream asks gRPC
 * for one message at a time, so a client that sends faster than the leader renews is slowed by
 * flow control rather than queued without bound). A keep-alive the server fails (no leader, a
 * timeout) ends the stream with that error, as etcd's {@code togRPCError}; an unknown lease is
 * a response with TTL 0, which the facet gives. The client's half-close ends the stream once the
 * keep-alive in hand is answered. {@link StreamGuard} refuses or ends the stream as etcd's stream
 * interceptor does.
 */
final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(KeepAliveStream.class);

    private final LeaseService lease;
    private final ServerCallStreamObserver<LeaseKeepAliveResponse> responses;
    private final Executor executor;
    /** The keep-alive being renewed, if any; the stream reads the next one only after it. Guarded by this. */
    private CompletableFuture<Void> inHand = CompletableFuture.completedFuture(null);
    private boolean ended;
    private StreamGuard.Open guarded;

    private KeepAliveStream(LeaseService lease, ServerCallStreamObserver<LeaseKeepAliveResponse> responses, Executor executor) {
        this.lease = lease;
        this.responses = responses;
        this.executor = executor;
    }

    /**
     * Starts serving a stream whose answers go to {@code responses} (its end sent from {@code executor}),
     * unless {@code guard} refuses it (a learner; a client requiring a leader the member lacks).
     */
    static StreamObserver<LeaseKeepAliveRequest> serve(LeaseService lease, StreamObserver<LeaseKeepAliveResponse> responses,
                                                       Executor executor, StreamGuard guard) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> call = (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
        call.disableAutoRequest();
        KeepAliveStream stream = new KeepAliveStream(lease, call, executor);
        boolean requiresLeader = RequireLeader.requested();
        EtcdException refused = guard.refusal(requiresLeader);
        if (refused != null) {
            stream.end(refused);
            return stream;
        }
        stream.guarded = guard.opened(requiresLeader, stream::end);
        call.setOnCancelHandler(stream::cancelled);
        // a call closed on the server's side (at its deadline, by Deadlines) hears no cancel
        call.setOnCloseHandler(stream::cancelled);
        call.request(1);
        return stream;
    }

    /** Ends the stream with {@code error} unless it ended already. */
    private synchronized void end(EtcdException error) {
        if (ended) {
            return;
        }
        ended = true;
        forget();
        try {
            responses.onError(UnaryReplies.status(error).asRuntimeException());
        } catch (IllegalStateException e) {
            // the call was cancelled or closed meanwhile
        }
    }

    private void forget() {
        if (guarded != null) {
            guarded.closed();
        }
    }

    @Override
    public void onNext(LeaseKeepAliveRequest request) {
        CompletableFuture<LeaseKeepAliveResponse> renewed;
        try {
            renewed = lease.leaseKeepAlive(request);
        } catch (RuntimeException e) {
            renewed = CompletableFuture.failedFuture(e);
        }
        // answered from the thread that renewed it (the lessor's, or the one that got the leader's
        // answer): a keep-alive's answer is a few bytes, cheaper to send than to hand over
        CompletableFuture<Void> answered = renewed.handle((response, failure) -> {
            answer(response, failure);
            return null;
        });
        synchronized (this) {
            inHand = answered;
        }
    }

    private synchronized void answer(LeaseKeepAliveResponse response, Throwable failure) {
        if (ended) {
            return;
        }
        if (failure != null) {
            ended = true;
            forget();
        }
        try {
            if (failure != null) {
                Throwable cause = UnaryReplies.status(failure).getCause();
                if (cause != null && !(cause instanceof EtcdException)) {
                    LOG.warn("Lease/LeaseKeepAlive failed", cause);
                }
                responses.onError(UnaryReplies.status(failure).asRuntimeException());
                return;
            }
            responses.onNext(response);
            responses.request(1);
        } catch (IllegalStateException e) {
            // the call was cancelled or closed meanwhile
        }
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    private synchronized void cancelled() {
        ended = true;
        forget();
    }

    @Override
    public void onCompleted() {
        CompletableFuture<Void> last;
        synchronized (this) {
            last = inHand;
        }
        last.whenCompleteAsync((v, e) -> {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                forget();
                try {
                    responses.onCompleted();
                } catch (IllegalStateException ignored) {
                    // cancelled meanwhile
                }
            }
        }, executor);
    }
}
