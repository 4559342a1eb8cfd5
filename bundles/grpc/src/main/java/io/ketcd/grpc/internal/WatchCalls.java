package io.ketcd.grpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;
import io.ketcd.grpc.internal.stub.WatchGrpc;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * etcd's Watch RPC on the member's {@link WatchService}: each call is one {@link WatchSession},
 * with gRPC's flow control both ways. The member asks for requests one at a time (automatic
 * inbound flow control is off), and sends only while the call is ready, resuming when gRPC
 * says it is ready again.
 *
 * <p>As etcd's stream interceptor does, a learner refuses the call ("rpc not supported for
 * learner"), and a call whose client requires a leader (metadata {@code hasleader=true}) is
 * refused while the member knows none and ended when it has known none for a while ({@link
 * #endRequiringLeader}). As in etcd, the stream stays open after the client half-closes its side;
 * it ends when the client cancels the call, the member stops, or this server closes.
 */
final class WatchCalls implements WatchGrpc.AsyncService {
    private final WatchService watch;
    private final MaintenanceService maintenance;
    private final Set<Call> open = ConcurrentHashMap.newKeySet();

    WatchCalls(WatchService watch, MaintenanceService maintenance) {
        this.watch = watch;
        this.maintenance = maintenance;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> observer = (ServerCallStreamObserver<WatchResponse>) responses;
        observer.disableAutoRequest();
        Call call = new Call(observer, RequireLeader.requested());
        EtcdException refused = refusal(call.requiresLeader);
        if (refused != null) {
            call.end(refused);
            return new Ignored();
        }
        WatchSession session = watch.open(call);
        call.session = session;
        open.add(call);
        observer.setOnReadyHandler(session::clientReady);
        observer.setOnCancelHandler(() -> {
            open.remove(call);
            session.close();
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
                session.request(request);
            }

            @Override
            public void onError(Throwable t) {
                open.remove(call);
                session.close();
            }

            @Override
            public void onCompleted() {
                // etcd keeps sending after the client's half-close, until it cancels the call
            }
        };
    }

    /** Why etcd's stream interceptor would refuse the call now, or null. */
    private EtcdException refusal(boolean requiresLeader) {
        StatusResponse status;
        try {
            status = maintenance.status().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null; // the member answers the stream itself, with its own error
        }
        if (status.getIsLearner()) {
            return EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception();
        }
        if (requiresLeader && status.getLeader() == 0) {
            return EtcdError.NO_LEADER.exception();
        }
        return null;
    }

    /** Ends the calls whose clients require a leader: the member has had none for too long. */
    void endRequiringLeader() {
        for (Call c : List.copyOf(open)) {
            if (c.requiresLeader) {
                end(c, EtcdError.NO_LEADER.exception());
            }
        }
    }

    /** Ends every open call with {@code error}: this server is closing. */
    void endAll(EtcdException error) {
        List.copyOf(open).forEach(c -> end(c, error));
    }

    boolean anyRequiringLeader() {
        return open.stream().anyMatch(c -> c.requiresLeader);
    }

    private void end(Call c, EtcdException error) {
        open.remove(c);
        c.end(error);
        if (c.session != null) {
            c.session.close();
        }
    }

    /**
     * One call as the member's end of the stream sees it. The member's drain task and this
     * server (ending calls) may both reach it, so it is synchronized, and quiet once ended.
     */
    private static final class Call implements WatchClient {
        private final ServerCallStreamObserver<WatchResponse> observer;
        final boolean requiresLeader;
        volatile WatchSession session;
        private boolean ended;

        Call(ServerCallStreamObserver<WatchResponse> observer, boolean requiresLeader) {
            this.observer = observer;
            this.requiresLeader = requiresLeader;
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
