package io.ketcd.grpc;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.ketcd.api.EtcdError;
import io.ketcd.grpc.internal.stub.LeaseGrpc;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse.Builder;
import io.ketcd.proto.etcdserverpb.LeaseLeasesResponse;
import io.ketcd.proto.etcdserverpb.LeaseStatus;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.testing.fakes.Answer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** etcd's Lease service over gRPC on a scripted Lease facet: the unary methods through jetcd, the keep-alive stream raw. */
class LeaseServiceTest {
    private FakeEtcdServer fake;
    private GrpcServer grpc;
    private Client jetcd;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0"));
        grpc = TestListeners.start(fake);
        int port = TestListeners.port(grpc);
        jetcd = Client.builder().endpoints("http://127.0.0.1:" + port).build();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        jetcd.close();
        channel.shutdownNow().awaitTermination(5, SECONDS);
        grpc.close();
    }

    @Test
    void grantTimeToLiveAndLeasesReachTheFacet() throws Exception {
        fake.lease.grant = Answer.with(io.ketcd.proto.etcdserverpb.LeaseGrantResponse.newBuilder().setID(42).setTTL(30).build());
        LeaseGrantResponse granted = jetcd.getLeaseClient().grant(30).get(10, SECONDS);
        assertThat(granted.getID()).isEqualTo(42);
        assertThat(granted.getTTL()).isEqualTo(30);
        assertThat(fake.lease.requests.of(LeaseGrantRequest.class)).containsExactly(LeaseGrantRequest.newBuilder().setTTL(30).build());

        fake.lease.timeToLive = Answer.with(io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse.newBuilder()
                .setID(42).setTTL(29).setGrantedTTL(30).addKeys(ByteString.copyFromUtf8("k")).build());
        LeaseTimeToLiveResponse ttl = jetcd.getLeaseClient().timeToLive(42, LeaseOption.newBuilder().withAttachedKeys().build())
                .get(10, SECONDS);
        assertThat(ttl.getTTL()).isEqualTo(29);
        assertThat(ttl.getKeys()).hasSize(1);
        assertThat(fake.lease.requests.of(LeaseTimeToLiveRequest.class))
                .containsExactly(LeaseTimeToLiveRequest.newBuilder().setID(42).setKeys(true).build());

        fake.lease.leases = Answer.with(LeaseLeasesResponse.newBuilder().addLeases(LeaseStatus.newBuilder().setID(42)).build());
        // jetcd has no Lease/LeaseLeases (etcdctl's lease list uses it): a raw stub asks
        assertThat(LeaseGrpc.newBlockingStub(channel).leaseLeases(io.ketcd.proto.etcdserverpb.LeaseLeasesRequest
                .getDefaultInstance()).getLeasesList()).extracting(LeaseStatus::getID).containsExactly(42L);
    }

    @Test
    void jetcdKeepsALeaseAliveOnce() throws Exception {
        LeaseKeepAliveResponse r = jetcd.getLeaseClient().keepAliveOnce(7).get(10, SECONDS);
        assertThat(r.getID()).isEqualTo(7);
        assertThat(r.getTTL()).isEqualTo(60);
    }

    /** Answers go out in the order of the keep-alives, whatever order the facet completes them in. */
    @Test
    void keepAlivesAreAnsweredInOrderOneAtATime() throws Exception {
        Map<Long, CompletableFuture<io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse>> pending = new ConcurrentHashMap<>();
        fake.lease.keepAlive = request -> pending.computeIfAbsent(request.getID(), id -> new CompletableFuture<>());
        List<Long> answered = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(channel).leaseKeepAlive(observer(answered, ended));
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(1).build());
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(2).build());
        io.ketcd.testing.Await.until("the first keep-alive reaches the facet", () -> pending.containsKey(1L));
        assertThat(pending).as("the second is read only after the first is answered").doesNotContainKey(2L);
        pending.get(1L).complete(response(1).setTTL(10).build());
        io.ketcd.testing.Await.until("the second keep-alive reaches the facet", () -> pending.containsKey(2L));
        pending.get(2L).complete(response(2).setTTL(0).build());
        stream.onCompleted();
        assertThat(ended.get(10, SECONDS).isOk()).isTrue();
        assertThat(answered).containsExactly(1L, 2L);
    }

    @Test
    void aFailedKeepAliveEndsTheStreamWithEtcdsError() throws Exception {
        fake.lease.keepAlive = Answer.failing(EtcdError.NO_LEADER.exception());
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(channel)
                .leaseKeepAlive(observer(new CopyOnWriteArrayList<>(), ended));
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(1).build());
        Status status = ended.get(10, SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: no leader");
    }

    @Test
    void aLearnerRefusesKeepAliveStreamsAsEtcdsStreamInterceptorDoes() throws Exception {
        fake.learner = true;
        CompletableFuture<Status> ended = new CompletableFuture<>();
        LeaseGrpc.newStub(channel).leaseKeepAlive(observer(new CopyOnWriteArrayList<>(), ended))
                .onNext(LeaseKeepAliveRequest.newBuilder().setID(1).build());
        Status status = ended.get(10, SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: rpc not supported for learner");
        assertThat(fake.lease.requests.of(LeaseKeepAliveRequest.class)).isEmpty();
    }

    @Test
    void closingTheServerEndsOpenKeepAliveStreams() throws Exception {
        List<Long> answered = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(channel).leaseKeepAlive(observer(answered, ended));
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(1).build());
        io.ketcd.testing.Await.until("the first keep-alive answered", java.time.Duration.ofSeconds(10),
                () -> answered.size() == 1);
        grpc.close();
        assertThat(ended.get(10, SECONDS).getDescription()).isEqualTo("etcdserver: server stopped");
    }

    private static Builder response(long id) {
        return io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse.newBuilder().setID(id);
    }

    private static StreamObserver<io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse> observer(List<Long> answered,
                                                                                              CompletableFuture<Status> ended) {
        return new StreamObserver<>() {
            @Override
            public void onNext(io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse value) {
                answered.add(value.getID());
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        };
    }
}
