package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketcd.grpc.internal.stub.ElectionGrpc;
import io.ketcd.grpc.internal.stub.LeaseGrpc;
import io.ketcd.grpc.internal.stub.LockGrpc;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.v3electionpb.CampaignRequest;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.ProclaimRequest;
import io.ketcd.proto.v3electionpb.ResignRequest;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.UnlockRequest;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Lock and Election services end to end on a 3-member cluster on real sockets: jetcd's
 * Lock and Election clients (which call the server-side services) with the clients on different
 * members, etcdctl's {@code lock} and {@code elect} (which run clientv3's recipes over KV, Watch
 * and Lease themselves), and the services' error answers, whose codes and texts were taken from
 * etcd 3.4.23 with the same requests.
 */
class EmbeddedLockElectionTest {
    /** etcd's default timing, so the minimum TTL is etcd's default one (2 s). */
    private static final Map<String, String> ETCD_TIMING = Map.of("heartbeat-interval", "100", "election-timeout", "1000");

    @TempDir
    Path dir;
    private PeerCluster cluster;
    private List<EmbeddedEtcd> members;

    @BeforeEach
    void start() throws Exception {
        cluster = new PeerCluster(dir, "http");
        members = cluster.startThree(ETCD_TIMING);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aLockIsHeldByOneClientAtATimeAcrossMembersAndAnExpiredLeaseReleasesIt() throws Exception {
        Client first = cluster.client(members.get(0));
        Client second = cluster.client(members.get(1));
        long shortLease = first.getLeaseClient().grant(2).get(10, SECONDS).getID();
        long secondLease = second.getLeaseClient().grant(60).get(10, SECONDS).getID();

        LockResponse held = first.getLockClient().lock(bs("locks/x"), shortLease).get(10, SECONDS);
        assertThat(held.getKey()).isEqualTo(bs("locks/x/" + Long.toHexString(shortLease)));

        CompletableFuture<LockResponse> waiting = second.getLockClient().lock(bs("locks/x"), secondLease);
        String waiterKey = "locks/x/" + Long.toHexString(secondLease);
        awaitTrue("the second request's key is in line", () -> cluster.localValue(members.get(1), waiterKey) != null);
        assertThat(waiting).isNotDone();

        // nobody keeps the first lease alive: it expires, its key goes, and the lock passes on
        LockResponse passed = waiting.get(15, SECONDS);
        assertThat(passed.getKey()).isEqualTo(bs(waiterKey));
        assertThat(cluster.localValue(members.get(2), "locks/x/" + Long.toHexString(shortLease))).isNull();
        assertThat(passed.getHeader().getRevision()).isGreaterThan(held.getHeader().getRevision());

        // the same lease asking again holds it at once with the same key; unlock deletes it
        assertThat(second.getLockClient().lock(bs("locks/x"), secondLease).get(10, SECONDS).getKey()).isEqualTo(bs(waiterKey));
        second.getLockClient().unlock(passed.getKey()).get(10, SECONDS);
        assertThat(second.getKVClient().get(bs("locks/x/"), GetOption.builder().isPrefix(true).build()).get(10, SECONDS)
                .getKvs()).isEmpty();
    }

    @Test
    void manyClientsOnEveryMemberNeverHoldTheLockTogether() throws Exception {
        List<Client> clients = List.of(cluster.client(members.get(0)), cluster.client(members.get(1)),
                cluster.client(members.get(2)), cluster.client(members.get(0)));
        ByteSequence holder = bs("mutex/holder");
        List<CompletableFuture<Void>> rounds = new java.util.ArrayList<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            Client client = clients.get(c);
            String me = "client-" + c;
            long lease = client.getLeaseClient().grant(60).get(10, SECONDS).getID();
            rounds.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 5; i++) {
                        LockResponse lock = client.getLockClient().lock(bs("mutex/lock"), lease).get(30, SECONDS);
                        // inside: nobody else may be inside; mark ourselves, check, unmark
                        var previous = client.getKVClient().put(holder, bs(me),
                                io.etcd.jetcd.options.PutOption.builder().withPrevKV().build()).get(10, SECONDS);
                        if (previous.hasPrevKv() && !previous.getPrevKv().getValue().isEmpty()) {
                            violations.add(me + " entered while " + previous.getPrevKv().getValue() + " was inside");
                        }
                        client.getKVClient().put(holder, ByteSequence.EMPTY).get(10, SECONDS);
                        client.getLockClient().unlock(lock.getKey()).get(10, SECONDS);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(me + " failed", e);
                }
            }));
        }
        CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new)).get(120, SECONDS);
        assertThat(violations).isEmpty();
    }

    @Test
    void twoCandidatesOnDifferentMembersAndAnObserverOnTheThird() throws Exception {
        Client a = cluster.client(members.get(0));
        Client b = cluster.client(members.get(1));
        Client watcher = cluster.client(members.get(2));
        ByteSequence name = bs("elections/e");
        List<String> seen = new CopyOnWriteArrayList<>();
        watcher.getElectionClient().observe(name, new Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
                seen.add(response.getKv().getKey() + "=" + response.getKv().getValue());
            }

            @Override
            public void onError(Throwable throwable) {
                seen.add("error " + throwable);
            }

            @Override
            public void onCompleted() {
                seen.add("completed");
            }
        });
        assertThatThrownBy(() -> a.getElectionClient().leader(name).get(10, SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoLeaderException.class);

        long leaseA = a.getLeaseClient().grant(60).get(10, SECONDS).getID();
        long leaseB = b.getLeaseClient().grant(60).get(10, SECONDS).getID();
        CampaignResponse won = a.getElectionClient().campaign(name, leaseA, bs("a1")).get(10, SECONDS);
        LeaderKey leaderA = won.getLeader();
        String keyA = "elections/e/" + Long.toHexString(leaseA);
        assertThat(leaderA.getKey()).isEqualTo(bs(keyA));
        assertThat(leaderA.getRevision()).isEqualTo(won.getHeader().getRevision());
        assertThat(leaderA.getLease()).isEqualTo(leaseA);
        awaitTrue("the observer saw the first leader", () -> seen.contains(keyA + "=a1"));

        CompletableFuture<CampaignResponse> campaignB = b.getElectionClient().campaign(name, leaseB, bs("b1"));
        String keyB = "elections/e/" + Long.toHexString(leaseB);
        awaitTrue("the second candidate is in line", () -> cluster.localValue(members.get(2), keyB) != null);
        assertThat(campaignB).isNotDone();

        a.getElectionClient().proclaim(leaderA, bs("a2")).get(10, SECONDS);
        assertThat(b.getElectionClient().leader(name).get(10, SECONDS).getKv().getValue()).isEqualTo(bs("a2"));
        awaitTrue("the observer saw the proclamation", () -> seen.contains(keyA + "=a2"));

        a.getElectionClient().resign(leaderA).get(10, SECONDS);
        CampaignResponse wonB = campaignB.get(10, SECONDS);
        assertThat(wonB.getLeader().getKey()).isEqualTo(bs(keyB));
        awaitTrue("the observer saw the second leader", () -> seen.contains(keyB + "=b1"));
        assertThat(seen).containsExactly(keyA + "=a1", keyA + "=a2", keyB + "=b1");

        // the first leader's key no longer leads: proclaiming with it is refused, resigning does nothing
        assertThatThrownBy(() -> a.getElectionClient().proclaim(leaderA, bs("a3")).get(10, SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NotLeaderException.class);
        a.getElectionClient().resign(leaderA).get(10, SECONDS);
        assertThat(a.getElectionClient().leader(name).get(10, SECONDS).getKv().getKey()).isEqualTo(bs(keyB));
    }

    @Test
    void errorsAndDefaultsAreEtcds() throws Exception {
        ManagedChannel channel = channel(members.get(1));
        try {
            var lock = LockGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS);
            var election = ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS);
            assertStatus(() -> lock.lock(LockRequest.newBuilder().setName(bytes("l")).setLease(12345).build()),
                    Status.Code.UNKNOWN, "etcdserver: requested lease not found");
            assertStatus(() -> lock.unlock(UnlockRequest.getDefaultInstance()), Status.Code.UNKNOWN,
                    "etcdserver: key is not provided");
            assertThat(lock.unlock(UnlockRequest.newBuilder().setKey(bytes("nope")).build()).getHeader().getRevision())
                    .isPositive();
            assertStatus(() -> election.leader(LeaderRequest.newBuilder().setName(bytes("none")).build()),
                    Status.Code.UNKNOWN, "election: no leader");
            assertStatus(() -> election.proclaim(ProclaimRequest.newBuilder().setValue(bytes("v")).build()),
                    Status.Code.UNKNOWN, "\"leader\" field must be provided");
            assertStatus(() -> election.resign(ResignRequest.getDefaultInstance()), Status.Code.UNKNOWN,
                    "\"leader\" field must be provided");
            assertStatus(() -> election.campaign(CampaignRequest.newBuilder().setName(bytes("e")).setLease(999).build()),
                    Status.Code.UNKNOWN, "etcdserver: requested lease not found");

            // without a lease, a request gets a session lease of 60 s that nothing keeps alive
            ByteString key = lock.lock(LockRequest.newBuilder().setName(bytes("sessionless")).build()).getKey();
            long lease = Long.parseUnsignedLong(key.toStringUtf8().substring("sessionless/".length()), 16);
            var ttl = LeaseGrpc.newBlockingStub(channel).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build());
            assertThat(ttl.getGrantedTTL()).isEqualTo(60);

            // a request that gives up waiting leaves no key behind
            assertStatus(() -> LockGrpc.newBlockingStub(channel).withDeadlineAfter(1, SECONDS)
                    .lock(LockRequest.newBuilder().setName(bytes("sessionless")).build()), Status.Code.DEADLINE_EXCEEDED, null);
            awaitTrue("the given-up request's key is deleted", () -> count(members.get(0), "sessionless/") == 1);
            assertStatus(() -> ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(1, SECONDS)
                    .campaign(CampaignRequest.newBuilder().setName(bytes("sessionless")).setValue(bytes("x")).build()),
                    Status.Code.DEADLINE_EXCEEDED, null);
            awaitTrue("the withdrawn candidate's key is deleted", () -> count(members.get(0), "sessionless/") == 1);
        } finally {
            channel.shutdownNow().awaitTermination(10, SECONDS);
        }
    }

    @Test
    void etcdctlLockAndElectWorkAcrossMembers() throws Exception {
        List<String> at1 = List.of("--endpoints=" + members.get(0).grpcEndpoint());
        List<String> at2 = List.of("--endpoints=" + members.get(1).grpcEndpoint());
        List<String> at3 = List.of("--endpoints=" + members.get(2).grpcEndpoint());
        try (StreamingCommand observer = StreamingCommand.etcdctl(at3, "elect", "-l", "ctl-election");
             StreamingCommand holder = StreamingCommand.etcdctl(at1, "lock", "ctl-lock")) {
            String held = holder.awaitLine(PeerCluster.BOUND);
            assertThat(held).matches("ctl-lock/[0-9a-f]+");
            try (StreamingCommand next = StreamingCommand.etcdctl(at2, "lock", "ctl-lock")) {
                awaitTrue("the second etcdctl waits in line", () -> count(members.get(0), "ctl-lock/") == 2);
                assertThat(next.output()).isEmpty();
                holder.terminate(); // etcdctl unlocks and revokes its session
                String passed = next.awaitLine(PeerCluster.BOUND);
                assertThat(passed).matches("ctl-lock/[0-9a-f]+").isNotEqualTo(held);
            }

            try (StreamingCommand first = StreamingCommand.etcdctl(at1, "elect", "ctl-election", "p1")) {
                first.awaitOutput(PeerCluster.BOUND, outputMatching("ctl-election/[0-9a-f]+\np1\n"));
                try (StreamingCommand second = StreamingCommand.etcdctl(at2, "elect", "ctl-election", "p2")) {
                    awaitTrue("the second candidate is in line", () -> count(members.get(0), "ctl-election/") == 2);
                    first.terminate();
                    second.awaitOutput(PeerCluster.BOUND, outputMatching("ctl-election/[0-9a-f]+\np2\n"));
                }
            }
            observer.awaitOutput(PeerCluster.BOUND, outputMatching("ctl-election/[0-9a-f]+\np1\nctl-election/[0-9a-f]+\np2\n"));
        }
        Command noName = Command.etcdctl(at1, "lock");
        assertThat(noName.exit()).isEqualTo(128);
        assertThat(noName.err()).contains("Error: lock takes a lock name argument and an optional command to execute");
        assertThat(Command.etcdctl(at2, "lock", "ctl-lock-2", "echo", "hello").out()).isEqualTo("hello\n");
    }

    private int count(EmbeddedEtcd member, String prefix) {
        try (Client c = cluster.client(member)) {
            return (int) c.getKVClient().get(bs(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, SECONDS).getCount();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ManagedChannel channel(EmbeddedEtcd member) {
        URI endpoint = URI.create(member.grpcEndpoint());
        return ManagedChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void assertStatus(Supplier<?> call, Status.Code code, String description) {
        assertThatThrownBy(call::get).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            if (description != null) {
                assertThat(e.getStatus().getDescription()).isEqualTo(description);
            }
        });
    }

    private static java.util.function.Predicate<String> outputMatching(String regex) {
        return out -> out.matches(regex);
    }
}
