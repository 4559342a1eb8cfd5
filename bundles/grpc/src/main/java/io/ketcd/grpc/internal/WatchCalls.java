package io.ketcd.grpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;
import io.ketcd.grpc.internal.stub.WatchGrpc;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;


/**
 * etcd's Watch RPC on the member's {@link WatchService}: each call is one {@link WatchSession},
 * with gRPC's flow control both ways. The member asks for requests one at a time (automatic
 * inbound flow control is off), and sends only while the call is ready, resuming when gRPC
 * says it is ready again.
 *
 * <p>{@link StreamGuard} refuses or ends calls as etcd's stream interceptor does. As in etcd, the
 * stream stays open after the client half-closes its side; it ends when the client cancels the
 * call, the member stops, or the gRPC server closes.
 */
final class WatchCalls implements WatchGrpc.AsyncService {
    private final WatchService watch;
    private final StreamGuard guard;

    WatchCalls(WatchService watch, StreamGuard guard) {
        this.watch = watch;
        this.guard = guard;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> observer = (ServerCallStreamObserver<WatchResponse>) responses;
        observer.disableAutoRequest();
        Call call = new Call(observer);
        boolean requiresLeader = RequireLeader.requested();
        EtcdException refused = guard.refusal(requiresLeader);
        if (refused != null) {
            call.end(refused);
            return new Ignored();
        }
        WatchSession session = watch.open(Callers.current(), call);
        StreamGuard.Open guarded = guard.opened(requiresLeader, error -> {
            call.end(error);
            session.close();
        });
        observer.setOnReadyHandler(session::clientReady);
        observer.setOnCancelHandler(() -> {
            guarded.closed();
            session.close();
        });
        // a call closed on the server's side (at its deadline, by Deadlines) hears no cancel
        observer.setOnCloseHandler(() -> {
            guarded.closed();
            session.close();
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
                session.request(request);
            }

            @Override
            public void onError(Throwable t) {
                guarded.closed();
                session.close();
            }

            @Override
            public void onCompleted() {
                // etcd keeps sending after the client's half-close, until it cancels the call
            }
        };
    }

    /**
     * One call as the member's end of the stream sees it. The member's drain task and this
     * server (ending calls) may both reach it, so it is synchronized, and quiet once ended.
     */
    private static final class Call implements WatchClient {
        private final ServerCallStreamObserver<WatchResponse> observer;
        private boolean ended;

        Call(ServerCallStreamObserver<WatchResponse> observer) {
            this.observer = observer;
        }

        @Override
        public synchronized boolean isReady() {
            return !ended && observer.isReady();
        }

        @Override
        public synchronized void send(WatchResponse response) {
            if (!ended) {
                observer.onNext(response);
            }
        }

        @Override
        public synchronized void requestNext() {
            if (!ended) {
                observer.request(1);
            }
        }

        @Override
        public synchronized void end(EtcdException error) {
            if (ended) {
                return;
            }
            ended = true;
            if (error == null) {
                observer.onCompleted();
            } else {
                observer.onError(UnaryReplies.status(error).asRuntimeException());
            }
        }
    }

    /** The request side of a refused call: nothing more to do. */
    private static final class Ignored implements StreamObserver<WatchRequest> {
        @Override
        public void onNext(WatchRequest value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
