package io.ketcd.bench;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;

/**
 * One keep-alive client: a {@code LeaseKeepAlive} stream that refreshes one lease, one request in
 * flight, as clientv3's keep-alive loop holds one stream open (etcd's benchmark instead opens a
 * stream per request with {@code KeepAliveOnce}, which measures stream setup as much as the
 * keep-alive). As a {@link KvCalls.Sender} it runs under {@link LoadRunner}: each send's future
 * completes with the next response. A response with TTL 0 (etcd's answer for a lease it does not
 * have) fails the request. A stream that fails fails its request; the next send opens a new one.
 *
 * <p>A send comes only after the previous request completed (closed loop), from the thread that
 * completed it or the caller's first kick, so the fields are handed over with the futures.
 */
final class KeepAliveStream implements KvCalls.Sender {
    private final long lease;
    /** The stream's bound: the phase's, plus the request timeout; a stream never answering ends with its deadline. */
    private final CallOptions streamOptions;
    private volatile ClientCallStreamObserver<LeaseKeepAliveRequest> requests;
    private volatile SettableFuture<LeaseKeepAliveResponse> pending;

    KeepAliveStream(long lease, CallOptions streamOptions) {
        this.lease = lease;
        this.streamOptions = streamOptions;
    }

    @Override
    public ListenableFuture<?> send(Channel channel, CallOptions options, int ticket) {
        SettableFuture<LeaseKeepAliveResponse> answer = SettableFuture.create();
        pending = answer;
        ClientCallStreamObserver<LeaseKeepAliveRequest> stream = requests;
        if (stream == null) {
            Responses responses = new Responses();
            ClientCalls.asyncBidiStreamingCall(channel.newCall(LeaseCalls.KEEP_ALIVE, streamOptions), responses);
            stream = responses.mine; // set in beforeStart, within the call above
        }
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        return answer;
    }

    /** Ends the stream (half-close: the server ends its side too). */
    void close() {
        ClientCallStreamObserver<LeaseKeepAliveRequest> r = requests;
        if (r != null) {
            requests = null;
            r.onCompleted();
        }
    }

    private final class Responses implements ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
        private ClientCallStreamObserver<LeaseKeepAliveRequest> mine;

        @Override
        public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> stream) {
            mine = stream;
            requests = stream;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            SettableFuture<LeaseKeepAliveResponse> answer = pending;
            if (response.getTTL() <= 0) {
                answer.setException(Status.NOT_FOUND.withDescription("lease " + response.getID() + " not found (TTL "
                        + response.getTTL() + ")").asRuntimeException());
            } else {
                answer.set(response);
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(t);
        }

        @Override
        public void onCompleted() {
            ended(Status.UNAVAILABLE.withDescription("keep-alive stream ended by the server").asRuntimeException());
        }

        private void ended(Throwable t) {
            if (requests == mine) {
                requests = null; // the next send opens a new stream
            }
            SettableFuture<LeaseKeepAliveResponse> answer = pending;
            if (answer != null) {
                answer.setException(t); // no-op when it was answered already
            }
        }
    }
}
