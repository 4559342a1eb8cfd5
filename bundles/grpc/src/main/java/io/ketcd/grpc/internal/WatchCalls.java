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
 * <p>As in etcd, the stream stays open after the client half-closes its side; it ends when the
 * client cancels the call, or when the member stops.
 */
final class WatchCalls implements WatchGrpc.AsyncService {
    private final WatchService watch;

    WatchCalls(WatchService watch) {
        this.watch = watch;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
        call.disableAutoRequest();
        WatchSession session = watch.open(new Client(call));
        call.setOnReadyHandler(session::clientReady);
        call.setOnCancelHandler(session::close);
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
                session.request(request);
            }

            @Override
            public void onError(Throwable t) {
                session.close();
            }

            @Override
            public void onCompleted() {
                // etcd keeps sending after the client's half-close, until it cancels the call
            }
        };
    }

    /** The call as the member's end of the stream sees it. */
    private record Client(ServerCallStreamObserver<WatchResponse> call) implements WatchClient {
        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void send(WatchResponse response) {
            call.onNext(response);
        }

        @Override
        public void requestNext() {
            call.request(1);
        }

        @Override
        public void end(EtcdException error) {
            if (error == null) {
                call.onCompleted();
            } else {
                call.onError(UnaryReplies.status(error).asRuntimeException());
            }
        }
    }
}
