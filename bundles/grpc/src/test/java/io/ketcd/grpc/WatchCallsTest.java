package io.ketcd.grpc;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdError;
import io.ketcd.grpc.internal.stub.WatchGrpc;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.testing.Await;

import com.google.protobuf.ByteString;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Watch RPC over a real gRPC server and channel, against a scripted member session: requests
 * reach the session in order, the member's responses reach the client, flow control reaches the
 * member both ways, and either side ending the stream ends it on the other as etcd's would.
 */
class WatchCallsTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    private FakeEtcdServer fake;
    private GrpcServer grpc;
    private ManagedChannel channel;
    private final AtomicReference<ScriptedWatch> session = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0", "election-timeout", "50"));
        fake.watch = client -> {
            ScriptedWatch s = new ScriptedWatch(client);
            session.set(s);
            return s;
        };
        grpc = TestListeners.start(fake);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", TestListeners.port(grpc)).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, SECONDS);
        grpc.close();
    }

    /** A client stream that queues what it receives and completes {@code ended} with the final status. */
    private static final class Responses implements ClientResponseObserver<WatchRequest, WatchResponse> {
        final BlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();
        ClientCallStreamObserver<WatchRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            call = requestStream;
        }

        @Override
        public void onNext(WatchResponse value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }
    }

    private static WatchRequest create(String key) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))).build();
    }

    @Test
    void aStreamClosedAtItsDeadlineClosesItsSession() throws Exception {
        Responses responses = new Responses();
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).withDeadlineAfter(300, MILLISECONDS)
                .watch(responses);
        requests.onNext(create("a"));
        assertThat(responses.received.poll(10, SECONDS)).isNotNull();
        assertThat(responses.ended.get(10, SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        Await.until("the member's session to be closed", BOUND, () -> session.get().closed.get());
    }

    @Test
    void requestsReachTheSessionInOrderAndItsResponsesTheClient() throws Exception {
        Responses responses = new Responses();
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(responses);
        for (String k : new String[] {"a", "b", "c"}) {
            requests.onNext(create(k));
        }
        for (int id = 0; id < 3; id++) {
            WatchResponse r = responses.received.poll(10, SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.getCreated()).isTrue();
            assertThat(r.getWatchId()).isEqualTo(id);
        }
        assertThat(session.get().requests).extracting(r -> r.getCreateRequest().getKey().toStringUtf8())
                .containsExactly("a", "b", "c");
        // as etcd: the client's half-close leaves the stream open, and the member may still send
        requests.onCompleted();
        session.get().client.send(WatchResponse.newBuilder().setWatchId(7).build());
        assertThat(responses.received.poll(10, SECONDS).getWatchId()).isEqualTo(7);
        assertThat(session.get().closed).isFalse();
        responses.call.cancel("done", null);
        Await.until("the session closed after the client cancelled", BOUND, () -> session.get().closed.get());
    }

    @Test
    void theMemberEndingTheStreamGivesTheClientEtcdsError() throws Exception {
        Responses responses = new Responses();
        WatchGrpc.newStub(channel).watch(responses).onNext(create("a"));
        assertThat(responses.received.poll(10, SECONDS)).isNotNull();
        session.get().client.end(EtcdError.STOPPED.exception());
        Status status = responses.ended.get(10, SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: server stopped");
    }

    private static Status endOf(Responses responses) throws Exception {
        return responses.ended.get(10, SECONDS);
    }

    private StreamObserver<WatchRequest> watchRequiringLeader(Responses responses) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
        return WatchGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .watch(responses);
    }

    @Test
    void aLearnerRefusesTheStreamAsEtcdDoes() throws Exception {
        fake.learner = true;
        Responses responses = new Responses();
        WatchGrpc.newStub(channel).watch(responses).onNext(create("a"));
        Status status = endOf(responses);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: rpc not supported for learner");
        assertThat(session.get()).as("no session opened").isNull();
    }

    @Test
    void aClientThatRequiresALeaderIsRefusedWithoutOneAndCutOffWhenItIsLost() throws Exception {
        fake.leader = 0;
        Responses refused = new Responses();
        watchRequiringLeader(refused).onNext(create("a"));
        assertThat(endOf(refused).getDescription()).isEqualTo("etcdserver: no leader");

        fake.leader = FakeEtcdServer.MEMBER_ID;
        Responses requiring = new Responses();
        watchRequiringLeader(requiring).onNext(create("a"));
        assertThat(requiring.received.poll(10, SECONDS).getCreated()).isTrue();
        ScriptedWatch requiringSession = session.get();
        Responses relaxed = new Responses();
        WatchGrpc.newStub(channel).watch(relaxed).onNext(create("b"));
        assertThat(relaxed.received.poll(10, SECONDS).getCreated()).isTrue();

        fake.leader = 0; // three election timeouts (50 ms here) without a leader end the first
        Status status = endOf(requiring);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: no leader");
        Await.until("its session closed", BOUND, () -> requiringSession.closed.get());
        assertThat(relaxed.ended).as("a stream that does not require a leader stays").isNotDone();
    }

    @Test
    void closingTheServerEndsOpenStreamsAtOnceWithServerStopped() throws Exception {
        Responses responses = new Responses();
        WatchGrpc.newStub(channel).watch(responses).onNext(create("a"));
        assertThat(responses.received.poll(10, SECONDS)).isNotNull();
        grpc.close();
        // ended by the server, not cut off after the grace period for calls in flight
        Status status = endOf(responses);
        assertThat(status.getDescription()).isEqualTo("etcdserver: server stopped");
        assertThat(session.get().closed).isTrue();
    }

    @Test
    void theSessionAsksForEachRequestSoAClientIsHeldBackUntilItDoes() throws Exception {
        fake.watch = client -> {
            // a session that takes the first request and then asks for no more
            ScriptedWatch s = new ScriptedWatch(client) {
                @Override
                public void request(WatchRequest request) {
                    requests.add(request);
                }
            };
            session.set(s);
            return s;
        };
        Responses responses = new Responses();
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(responses);
        requests.onNext(create("first"));
        requests.onNext(create("second"));
        Await.until("the first request arrived", BOUND, () -> session.get() != null
                && session.get().requests.size() == 1);
        // the second is held by flow control until the session asks for it
        assertThat(session.get().requests).hasSize(1);
        session.get().client.requestNext();
        Await.until("the second request arrived once asked for", BOUND, () -> session.get().requests.size() == 2);
        assertThat(session.get().requests.get(1).getCreateRequest().getKey().toStringUtf8()).isEqualTo("second");
    }
}
