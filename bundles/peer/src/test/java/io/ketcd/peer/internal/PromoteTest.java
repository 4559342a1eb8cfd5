package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** etcd's forwarded promote: {@code POST /members/promote/<id>} on the leader's peer port, and the follower's client. */
class PromoteTest {
    private static final long LEADER = 0xa, FOLLOWER = 0xb, LEARNER = 0xc;
    /** The promote bound of the transports that test timeouts. */
    private static final Duration SHORT = Duration.ofMillis(400);

    private final List<PeerTransportImpl> started = new ArrayList<>();
    private RecordingReceiver leaderReceiver;
    private PeerTransportImpl leader;
    private PeerTransportImpl follower;
    private final HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static final List<Member> MEMBERS = List.of(
            Member.newBuilder().setID(LEADER).setName("a").addPeerURLs("http://10.0.0.1:2380").addClientURLs("http://10.0.0.1:2379").build(),
            Member.newBuilder().setID(FOLLOWER).setName("b").addPeerURLs("http://10.0.0.2:2380").addClientURLs("http://10.0.0.2:2379").build(),
            Member.newBuilder().setID(LEARNER).setName("c").addPeerURLs("http://10.0.0.3:2380").addClientURLs("http://10.0.0.3:2379").build());

    @BeforeEach
    void start() throws IOException {
        leaderReceiver = new RecordingReceiver(LEADER, FOLLOWER, LEARNER);
        leader = start(LEADER, leaderReceiver, TestSupport.FAST);
        follower = start(FOLLOWER, new RecordingReceiver(LEADER, FOLLOWER, LEARNER), TestSupport.FAST);
        follower.addPeer(LEADER, List.of(TestSupport.url(leader)));
    }

    @AfterEach
    void stop() {
        started.forEach(PeerTransportImpl::close);
    }

    private PeerTransportImpl start(long id, RecordingReceiver receiver, Timeouts timeouts) throws IOException {
        PeerTransportImpl t = PeerTransportImpl.start(TestSupport.config(id), receiver, List.of(TestSupport.listener()), timeouts, id);
        started.add(t);
        return t;
    }

    private static Timeouts withRequestTimeout(Duration bound) {
        Timeouts f = TestSupport.FAST;
        return new Timeouts(f.connReadTimeout(), f.linkHeartbeat(), f.dialTimeout(), bound, f.backoffMin(), f.backoffMax());
    }

    private HttpResponse<String> post(PeerTransportImpl t, String path) throws Exception {
        return raw.send(HttpRequest.newBuilder(TestSupport.url(t).resolve(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The error {@code future} failed with, within 10 s. */
    private static EtcdError failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(EtcdException.class);
            return ((EtcdException) e.getCause()).error();
        }
        throw new AssertionError("the promote succeeded");
    }

    @Test
    void aForwardedPromoteReturnsTheLeadersMembers() throws Exception {
        List<Member> after = List.of(MEMBERS.get(0), MEMBERS.get(1), MEMBERS.get(2).toBuilder().setIsLearner(false).build());
        leaderReceiver.promote = id -> CompletableFuture.completedFuture(after);

        assertThat(follower.promoteMember(LEADER, LEARNER).get(10, TimeUnit.SECONDS)).isEqualTo(after);
        assertThat(leaderReceiver.promoteRequests).containsExactly(LEARNER);

        HttpResponse<String> wire = post(leader, "/members/promote/" + LEARNER);
        assertThat(wire.statusCode()).isEqualTo(200);
        assertThat(wire.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(wire.headers().firstValue(PeerHeaders.CLUSTER_ID)).hasValue(Long.toHexString(TestSupport.CLUSTER_ID));
        assertThat(wire.body()).isEqualTo(MembersJson.write(after));
    }

    @Test
    void aPromoteThatCompletesLaterIsAnsweredThen() throws Exception {
        CompletableFuture<List<Member>> later = new CompletableFuture<>();
        leaderReceiver.promote = id -> later;
        CompletableFuture<List<Member>> promoted = follower.promoteMember(LEADER, LEARNER);
        Await.until("the leader's receiver was asked", () -> !leaderReceiver.promoteRequests.isEmpty());
        assertThat(promoted).isNotDone();
        later.complete(MEMBERS);
        assertThat(promoted.get(10, TimeUnit.SECONDS)).isEqualTo(MEMBERS);
    }

    @ParameterizedTest
    @CsvSource({
        "MEMBER_NOT_FOUND, 404",
        "MEMBER_NOT_LEARNER, 412",
        "LEARNER_NOT_READY, 412",
        "NOT_LEADER, 500",
        "TIMEOUT, 500",
        "STOPPED, 500",
    })
    void eachErrorHasEtcdsStatusAndTextAndComesBackAsItself(EtcdError error, int status) throws Exception {
        leaderReceiver.promote = id -> CompletableFuture.failedFuture(error.exception());

        HttpResponse<String> wire = post(leader, "/members/promote/" + LEARNER);
        assertThat(wire.statusCode()).isEqualTo(status);
        assertThat(wire.body()).isEqualTo(error.message() + "\n");
        assertThat(wire.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");

        assertThat(failure(follower.promoteMember(LEADER, LEARNER))).isEqualTo(error);
    }

    @Test
    void anUnexpectedFailureIs500AndUnhealthyOnTheFollower() throws Exception {
        leaderReceiver.promote = id -> CompletableFuture.failedFuture(new IllegalStateException("disk on fire"));
        HttpResponse<String> wire = post(leader, "/members/promote/" + LEARNER);
        assertThat(wire.statusCode()).isEqualTo(500);
        assertThat(wire.body()).isEqualTo("Internal Server Error\n");
        assertThat(failure(follower.promoteMember(LEADER, LEARNER))).isEqualTo(EtcdError.UNHEALTHY);

        leaderReceiver.promote = id -> {
            throw new IllegalStateException("thrown, not returned");
        };
        assertThat(post(leader, "/members/promote/" + LEARNER).statusCode()).isEqualTo(500);
        leaderReceiver.promote = id -> null;
        assertThat(post(leader, "/members/promote/" + LEARNER).statusCode()).isEqualTo(500);
    }

    @Test
    void anIdThatIsNotDecimalIsNotFoundAsInEtcd() throws Exception {
        for (String bad : List.of("c0ffee", "+12", "-1", "18446744073709551616", "")) {
            HttpResponse<String> wire = post(leader, "/members/promote/" + bad);
            assertThat(wire.statusCode()).as(bad).isEqualTo(404);
            assertThat(wire.body()).as(bad).isEqualTo("member " + bad + " not found in cluster\n");
        }
        assertThat(leaderReceiver.promoteRequests).isEmpty();
        // the largest uint64 is an id
        leaderReceiver.promote = id -> CompletableFuture.completedFuture(MEMBERS);
        assertThat(post(leader, "/members/promote/18446744073709551615").statusCode()).isEqualTo(200);
        assertThat(leaderReceiver.promoteRequests).containsExactly(-1L);
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> wire = raw.send(HttpRequest.newBuilder(TestSupport.url(leader).resolve("/members/promote/12"))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wire.statusCode()).as(method).isEqualTo(405);
            assertThat(wire.headers().firstValue("Allow")).hasValue("POST");
        }
        assertThat(leaderReceiver.promoteRequests).isEmpty();
    }

    @Test
    void anUnknownLeaderIsNoLeader() throws Exception {
        assertThat(failure(follower.promoteMember(0x77, LEARNER))).isEqualTo(EtcdError.NO_LEADER);
        assertThat(failure(follower.promoteMember(0, LEARNER))).isEqualTo(EtcdError.NO_LEADER);
    }

    @Test
    void theLocalMemberAsLeaderAsksItsOwnReceiver() throws Exception {
        leaderReceiver.promote = id -> CompletableFuture.completedFuture(MEMBERS);
        assertThat(leader.promoteMember(LEADER, LEARNER).get(10, TimeUnit.SECONDS)).isEqualTo(MEMBERS);
    }

    @Test
    void aLeaderThatNeverAnswersIsATimeoutWithinTheBound() throws Exception {
        PeerTransportImpl impatient = start(0xd, new RecordingReceiver(), withRequestTimeout(SHORT));
        // a socket that accepts connections (the kernel does, from its backlog) and never answers
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            impatient.addPeer(LEADER, List.of(URI.create("http://127.0.0.1:" + silent.getLocalPort())));
            long start = System.nanoTime();
            assertThat(failure(impatient.promoteMember(LEADER, LEARNER))).isEqualTo(EtcdError.TIMEOUT);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).isBetween(SHORT.toMillis() - 50, SHORT.toMillis() + 2000);
        }
    }

    @Test
    void aReceiverThatNeverCompletesIs500TimeoutWithinTheLeadersBound() throws Exception {
        RecordingReceiver stuck = new RecordingReceiver();
        stuck.promote = id -> new CompletableFuture<>();
        PeerTransportImpl slowLeader = start(0xe, stuck, withRequestTimeout(SHORT));
        long start = System.nanoTime();
        HttpResponse<String> wire = post(slowLeader, "/members/promote/" + LEARNER);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(wire.statusCode()).isEqualTo(500);
        assertThat(wire.body()).isEqualTo(EtcdError.TIMEOUT.message() + "\n");
        assertThat(millis).isBetween(SHORT.toMillis() - 50, SHORT.toMillis() + 2000);

        // the follower (whose own bound is longer) hears the leader's timeout
        follower.addPeer(0xe, List.of(TestSupport.url(slowLeader)));
        assertThat(failure(follower.promoteMember(0xe, LEARNER))).isEqualTo(EtcdError.TIMEOUT);
    }

    @Test
    void aRefusedUrlIsSkippedForTheLeadersNextUrl() throws Exception {
        leaderReceiver.promote = id -> CompletableFuture.completedFuture(MEMBERS);
        PeerTransportImpl other = start(0xf, new RecordingReceiver(), TestSupport.FAST);
        other.addPeer(LEADER, List.of(URI.create("http://127.0.0.1:" + FreePorts.one()), TestSupport.url(leader)));
        assertThat(other.promoteMember(LEADER, LEARNER).get(10, TimeUnit.SECONDS)).isEqualTo(MEMBERS);

        PeerTransportImpl alone = start(0x10, new RecordingReceiver(), TestSupport.FAST);
        alone.addPeer(LEADER, List.of(URI.create("http://127.0.0.1:" + FreePorts.one())));
        assertThat(failure(alone.promoteMember(LEADER, LEARNER))).isEqualTo(EtcdError.TIMEOUT);
    }

    @Test
    void closingFailsAPromoteInFlightWithStopped() throws Exception {
        leaderReceiver.promote = id -> new CompletableFuture<>();
        CompletableFuture<List<Member>> promoted = follower.promoteMember(LEADER, LEARNER);
        Await.until("the leader's receiver was asked", () -> !leaderReceiver.promoteRequests.isEmpty());
        follower.close();
        assertThat(failure(promoted)).isEqualTo(EtcdError.STOPPED);
        assertThat(failure(follower.promoteMember(LEADER, LEARNER))).isEqualTo(EtcdError.STOPPED);
    }

    @Test
    void answersOfOtherServersMapAsEtcdsClientDoes() {
        assertThat(MemberPromote.error(408, "")).isEqualTo(EtcdError.TIMEOUT);
        assertThat(MemberPromote.error(404, "404 page not found\n")).isEqualTo(EtcdError.MEMBER_NOT_FOUND);
        assertThat(MemberPromote.error(404, "member 12 not found in cluster\n")).isEqualTo(EtcdError.MEMBER_NOT_FOUND);
        assertThat(MemberPromote.error(412, EtcdError.LEARNER_NOT_READY.message() + "\n")).isEqualTo(EtcdError.LEARNER_NOT_READY);
        assertThat(MemberPromote.error(412, "cluster ID mismatch\n")).isEqualTo(EtcdError.UNHEALTHY);
        // etcd's own leader answers any other error so
        assertThat(MemberPromote.error(500, "{\"message\":\"Internal Server Error\"}")).isEqualTo(EtcdError.UNHEALTHY);
        assertThat(MemberPromote.error(503, "the member is stopping\n")).isEqualTo(EtcdError.UNHEALTHY);
    }

    @Test
    void idsParseAsGosParseUint() {
        assertThat(MemberPromote.parseId("0")).isZero();
        assertThat(MemberPromote.parseId("12")).isEqualTo(12);
        assertThat(MemberPromote.parseId("000000000000000000000000001")).isEqualTo(1);
        for (String bad : List.of("", "+1", "-1", "1a", " 1", "18446744073709551616")) {
            assertThatThrownBy(() -> MemberPromote.parseId(bad)).as(bad).isInstanceOf(NumberFormatException.class);
        }
    }
}
