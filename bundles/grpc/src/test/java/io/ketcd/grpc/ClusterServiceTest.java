package io.ketcd.grpc;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ketcd.api.EtcdError;
import io.ketcd.grpc.internal.stub.ClusterGrpc;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * etcd's Cluster service on GrpcServer over {@link FakeEtcdServer}'s member list, through a raw
 * stub (which shows the exact request the server receives and the exact status a client gets).
 * etcdctl checks peer URLs itself before sending, so only a raw client shows the server's check.
 */
class ClusterServiceTest {
    private static final long LEARNER = FakeEtcdServer.ADDED_IDS;
    private static final long UNKNOWN = 0x1234;

    private static FakeEtcdServer fake;
    private static GrpcServer grpc;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0"));
        grpc = TestListeners.start(fake);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", TestListeners.port(grpc))
                .usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, SECONDS);
        grpc.close();
    }

    @BeforeEach
    void reset() {
        fake.failWith(null);
        fake.resetMembers();
        fake.requests.clear();
    }

    // --- success paths ------------------------------------------------------------------------

    @Test
    void memberAddHandsTheServerTheUrlsAsEtcdStoresThem() throws Exception {
        MemberAddResponse added = cluster().memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs(" https://10.0.0.1:2380").addPeerURLs("HTTP://127.0.0.1:22380").setIsLearner(true)
                .build());

        assertThat(fake.requests.take()).isEqualTo(MemberAddRequest.newBuilder()
                .addPeerURLs("http://127.0.0.1:22380").addPeerURLs("https://10.0.0.1:2380").setIsLearner(true)
                .build());
        Member learner = Member.newBuilder().setID(LEARNER).setIsLearner(true)
                .addPeerURLs("http://127.0.0.1:22380").addPeerURLs("https://10.0.0.1:2380").build();
        assertThat(added.getMember()).isEqualTo(learner);
        assertThat(added.getMembersList()).containsExactly(learner, FakeEtcdServer.SELF);
        assertThat(added.getHeader().getClusterId()).isEqualTo(FakeEtcdServer.CLUSTER_ID);
        assertThat(added.getHeader().getMemberId()).isEqualTo(FakeEtcdServer.MEMBER_ID);
    }

    @Test
    void memberUpdatePassesTheUrlsAsGiven() throws Exception {
        addLearner();
        MemberUpdateRequest request = MemberUpdateRequest.newBuilder().setID(LEARNER)
                .addPeerURLs("http://127.0.0.1:32380").addPeerURLs("http://127.0.0.1:22381").build();

        MemberUpdateResponse updated = cluster().memberUpdate(request);

        assertThat(fake.requests.take()).isEqualTo(request);
        assertThat(updated.getMembersList()).extracting(m -> List.copyOf(m.getPeerURLsList())).containsExactly(
                List.of("http://127.0.0.1:32380", "http://127.0.0.1:22381"), List.of("http://127.0.0.1:2380"));
    }

    @Test
    void memberPromoteAndRemove() throws Exception {
        addLearner();

        MemberPromoteResponse promoted = cluster().memberPromote(MemberPromoteRequest.newBuilder().setID(LEARNER).build());
        assertThat(fake.requests.take()).isEqualTo(MemberPromoteRequest.newBuilder().setID(LEARNER).build());
        assertThat(promoted.getMembersList()).extracting(Member::getID, Member::getIsLearner)
                .containsExactly(tuple(LEARNER, false),
                        tuple(FakeEtcdServer.MEMBER_ID, false));

        MemberRemoveResponse removed = cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(LEARNER).build());
        assertThat(fake.requests.take()).isEqualTo(MemberRemoveRequest.newBuilder().setID(LEARNER).build());
        assertThat(removed.getMembersList()).containsExactly(FakeEtcdServer.SELF);
        assertThat(removed.getHeader().getClusterId()).isEqualTo(FakeEtcdServer.CLUSTER_ID);
    }

    // --- errors --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1:2380", "ftp://127.0.0.1:2380", "http://127.0.0.1", "http://127.0.0.1:2380/",
        "http://127.0.0.1:x"})
    void badUrlsAreRefusedBeforeTheServerSeesThem(String url) {
        List<String> urls = List.of("http://127.0.0.1:22380", url);
        assertBadUrls(statusOf(() -> cluster().memberAdd(MemberAddRequest.newBuilder().addAllPeerURLs(urls).build())));
        assertBadUrls(statusOf(() -> cluster().memberUpdate(MemberUpdateRequest.newBuilder()
                .setID(FakeEtcdServer.MEMBER_ID).addAllPeerURLs(urls).build())));
        assertThat(fake.requests).isEmpty();
    }

    @Test
    void noUrlsAtAllAreBadUrlsToo() {
        assertBadUrls(statusOf(() -> cluster().memberAdd(MemberAddRequest.getDefaultInstance())));
        assertBadUrls(statusOf(() -> cluster().memberUpdate(MemberUpdateRequest.newBuilder()
                .setID(FakeEtcdServer.MEMBER_ID).build())));
        assertThat(fake.requests).isEmpty();
    }

    @Test
    void anUnknownMemberIsNotFound() {
        assertError(statusOf(() -> cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(UNKNOWN).build())),
                Status.Code.NOT_FOUND, "etcdserver: member not found");
        assertError(statusOf(() -> cluster().memberUpdate(MemberUpdateRequest.newBuilder().setID(UNKNOWN)
                .addPeerURLs("http://127.0.0.1:22380").build())),
                Status.Code.NOT_FOUND, "etcdserver: member not found");
        assertError(statusOf(() -> cluster().memberPromote(MemberPromoteRequest.newBuilder().setID(UNKNOWN).build())),
                Status.Code.NOT_FOUND, "etcdserver: member not found");
    }

    @Test
    void onlyALearnerIsPromoted() {
        assertError(statusOf(() -> cluster().memberPromote(MemberPromoteRequest.newBuilder()
                .setID(FakeEtcdServer.MEMBER_ID).build())),
                Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
    }

    @Test
    void aPeerUrlInUseIsRefused() {
        assertError(statusOf(() -> cluster().memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs("http://127.0.0.1:2380").build())),
                Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists");
    }

    @ParameterizedTest
    @EnumSource(value = EtcdError.class, names = {"MEMBER_EXIST", "MEMBER_NOT_ENOUGH_STARTED", "LEARNER_NOT_READY",
        "TOO_MANY_LEARNERS", "UNHEALTHY", "NOT_SUPPORTED"})
    void theServersMemberErrorsReachTheClientWithTheirCodeAndMessage(EtcdError error) {
        fake.failWith(error.exception());
        Status.Code code = Status.Code.valueOf(error.code().name());
        assertError(statusOf(() -> cluster().memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs("http://127.0.0.1:22380").build())), code, error.message());
        assertError(statusOf(() -> cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(LEARNER).build())),
                code, error.message());
        assertError(statusOf(() -> cluster().memberUpdate(MemberUpdateRequest.newBuilder().setID(LEARNER)
                .addPeerURLs("http://127.0.0.1:22380").build())), code, error.message());
        assertError(statusOf(() -> cluster().memberPromote(MemberPromoteRequest.newBuilder().setID(LEARNER).build())),
                code, error.message());
    }

    // --- helpers --------------------------------------------------------------------------------

    private static ClusterGrpc.ClusterBlockingStub cluster() {
        return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS);
    }

    private static void addLearner() throws InterruptedException {
        cluster().memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:22380").setIsLearner(true).build());
        fake.requests.take();
    }

    private static void assertBadUrls(Status status) {
        assertError(status, Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid");
    }

    private static void assertError(Status status, Status.Code code, String message) {
        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getDescription()).isEqualTo(message);
    }

    private static Status statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }
}
