package io.ketcd.testing.cluster;

import static io.ketcd.testing.cluster.Members.BOUND;
import static io.ketcd.testing.cluster.Members.agreedLeader;
import static io.ketcd.testing.cluster.Members.appliedIndex;
import static io.ketcd.testing.cluster.Members.awaitSameRevisionAndHash;
import static io.ketcd.testing.cluster.Members.bytes;
import static io.ketcd.testing.cluster.Members.errorOf;
import static io.ketcd.testing.cluster.Members.localKeys;
import static io.ketcd.testing.cluster.Members.localValueOrNull;
import static io.ketcd.testing.cluster.Members.putEventually;
import static io.ketcd.testing.cluster.Members.succeeds;
import static io.ketcd.testing.cluster.Members.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseLeasesRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.etcdserverpb.LeaseStatus;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MoveLeaderRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster behaviour written once, run over every kind of {@link TestCluster}: a test class per
 * kind extends this one and says how to make its cluster. What differs between kinds (partitions
 * only an in-memory network can make, what only a real client sees) stays in that class.
 */
public abstract class ClusterScenarios {
    private static final List<String> THREE = List.of("m1", "m2", "m3");
    private static final int PROGRESS = 30;

    @TempDir
    protected Path dir;
    protected TestCluster cluster;

    /** A new, empty cluster of this kind, with the members' data under {@code dir}. */
    protected abstract TestCluster newCluster(Path dir);

    @BeforeEach
    void createCluster() {
        cluster = newCluster(dir);
    }

    @AfterEach
    void closeCluster() {
        cluster.close();
    }

    protected List<TestMember> startThree(Map<String, String> extra) throws Exception {
        return cluster.startNew(THREE, extra);
    }

    private static TestMember named(List<TestMember> members, String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    private static MemberListResponse memberList(TestMember m) throws Exception {
        return m.cluster().memberList().get(10, TimeUnit.SECONDS);
    }

    @Test
    void writesThroughAnyMemberAreReadLinearizablyEverywhere() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        for (int i = 0; i < all.size(); i++) {
            putEventually(all.get(i).kv(), "k" + i, "v" + i);
        }
        for (TestMember reader : all) {
            for (int i = 0; i < all.size(); i++) {
                assertThat(value(reader.kv(), "k" + i, false)).as("k%d read on %s", i, reader.name()).isEqualTo("v" + i);
            }
        }
        awaitSameRevisionAndHash(all);
        Await.until("every member published its name and client URLs", BOUND, () -> {
            try {
                List<Member> members = memberList(all.get(0)).getMembersList();
                return members.size() == 3 && members.stream().noneMatch(m -> m.getName().isEmpty()
                        || m.getClientURLsCount() == 0);
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(memberList(all.get(1)).getMembersList()).extracting(Member::getName)
                .containsExactlyInAnyOrderElementsOf(THREE);
        assertThat(memberList(all.get(2)).getMembersList()).extracting(m -> m.getPeerURLs(0))
                .containsExactlyInAnyOrderElementsOf(THREE.stream().map(cluster::peerUrl).toList());
    }

    @Test
    void whenTheLeaderStopsANewOneIsElectedAndWritesContinue() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember old = agreedLeader(all);
        putEventually(old.kv(), "before", "1");
        cluster.stop(old.name());
        List<TestMember> rest = all.stream().filter(m -> m != old).toList();
        TestMember next = agreedLeader(rest, old.memberId());
        assertThat(next.memberId()).isNotEqualTo(old.memberId());
        putEventually(rest.get(0).kv(), "after", "2");
        for (TestMember m : rest) {
            assertThat(value(m.kv(), "before", false)).isEqualTo("1");
            assertThat(value(m.kv(), "after", false)).isEqualTo("2");
        }
    }

    @Test
    void aMemberThatFellBehindASnapshotCatchesUpFromIt() throws Exception {
        Map<String, String> small = Map.of("snapshot-count", "20", "experimental-snapshot-catchup-entries", "5");
        List<TestMember> all = startThree(small);
        agreedLeader(all);
        cluster.stop("m3");
        TestMember writer = named(all, "m1");
        for (int i = 0; i < 100; i++) {
            putEventually(writer.kv(), "key" + i, "value" + i);
        }
        TestMember m3 = cluster.start("m3", small);
        Await.until("m3 catches up", BOUND, () -> "value99".equals(localValueOrNull(m3.kv(), "key99")));
        assertThat(cluster.receivedSnapshot("m3")).as("m3 installed a snapshot from its leader").isTrue();
        assertThat(localKeys(m3.kv(), "key", "kez")).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(value(m3.kv(), "key" + i, true)).isEqualTo("value" + i);
        }
        // and it keeps following after the snapshot
        putEventually(writer.kv(), "later", "x");
        assertThat(value(m3.kv(), "later", false)).isEqualTo("x");
    }

    @Test
    void membersAreAddedAsLearnersPromotedAndRemoved() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember leader = agreedLeader(all);
        Await.until("every member published its name", BOUND, () -> {
            try {
                return memberList(leader).getMembersList().stream().noneMatch(m -> m.getName().isEmpty());
            } catch (Exception e) {
                return false;
            }
        });
        putEventually(leader.kv(), "k", "v");
        MemberAddResponse added = leader.cluster().memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs(cluster.peerUrl("m4")).setIsLearner(true).build()).get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(added.getMember().getIsLearner()).isTrue();
        assertThat(added.getMembersList()).hasSize(4);

        TestMember follower = all.stream().filter(m -> m != leader).findFirst().orElseThrow();
        Await.until("the follower knows the learner", BOUND, () -> {
            try {
                return memberList(follower).getMembersCount() == 4;
            } catch (Exception e) {
                return false;
            }
        });
        // the follower forwards the promotion to the leader, which sees that m4 has nothing yet
        assertThat(errorOf(follower.cluster().memberPromote(MemberPromoteRequest.newBuilder()
                .setID(added.getMember().getID()).build()))).isEqualTo(EtcdError.LEARNER_NOT_READY);
        TestMember m4 = cluster.start("m4", Map.of("initial-cluster-state", "existing"));
        assertThat(m4.memberId()).isEqualTo(added.getMember().getID());
        Await.until("the learner catches up", BOUND, () -> "v".equals(localValueOrNull(m4.kv(), "k")));
        Await.until("the learner knows it is one", BOUND, () -> {
            try {
                return m4.maintenance().status().get(10, TimeUnit.SECONDS).getIsLearner();
            } catch (Exception e) {
                return false;
            }
        });
        Await.until("the learner is promoted", BOUND, () -> succeeds(follower.cluster().memberPromote(
                MemberPromoteRequest.newBuilder().setID(m4.memberId()).build())));
        assertThat(memberList(leader).getMembersList()).filteredOn(m -> m.getID() == m4.memberId()).singleElement()
                .satisfies(m -> assertThat(m.getIsLearner()).isFalse());
        assertThat(errorOf(leader.cluster().memberPromote(MemberPromoteRequest.newBuilder().setID(m4.memberId()).build())))
                .isEqualTo(EtcdError.MEMBER_NOT_LEARNER);

        TestMember removed = all.stream().filter(m -> m != leader).findFirst().orElseThrow();
        List<Member> after = leader.cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(removed.memberId())
                .build()).get(BOUND.toSeconds(), TimeUnit.SECONDS).getMembersList();
        assertThat(after).extracting(Member::getID).hasSize(3).doesNotContain(removed.memberId());
        assertThat(errorOf(leader.cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(removed.memberId())
                .build()))).isEqualTo(EtcdError.MEMBER_NOT_FOUND);
        List<TestMember> remaining = new ArrayList<>(all);
        remaining.remove(removed);
        remaining.add(m4);
        // the member that took the request answered once it applied the removal; the others apply it in their time
        for (TestMember m : remaining) {
            Await.until(m.name() + " applied the removal", BOUND, () -> {
                try {
                    List<Member> members = memberList(m).getMembersList();
                    return members.size() == 3 && members.stream().noneMatch(x -> x.getID() == removed.memberId());
                } catch (Exception e) {
                    return false;
                }
            });
        }
        putEventually(leader.kv(), "k2", "v2");
        assertThat(value(m4.kv(), "k2", false)).isEqualTo("v2");
    }

    @Test
    void aMinorityRefusesLinearizableReadsAndWritesButServesSerializableOnes() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        TestMember m1 = named(all, "m1");
        putEventually(m1.kv(), "k", "v");
        cluster.stop("m2");
        cluster.stop("m3");
        // m1 alone is a minority of three: it can neither commit nor confirm a read index
        assertThat(errorOf(m1.kv().put(PutRequest.newBuilder()
                .setKey(bytes("k")).setValue(bytes("lost")).build())))
                .isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER, EtcdError.LEADER_CHANGED);
        assertThat(errorOf(m1.kv().range(RangeRequest.newBuilder()
                .setKey(bytes("k")).build()))).isIn(EtcdError.TIMEOUT, EtcdError.NO_LEADER);
        assertThat(value(m1.kv(), "k", true)).isEqualTo("v");
    }

    /**
     * A raft core swapped under running members while three writers write through all of them:
     * on a follower, then on the leader. Writes keep being acknowledged, each swap builds one
     * node of the new core, every acknowledged write is on every member afterwards, the members
     * end at one revision and hash, and no member's applied index ever goes back.
     *
     * <p>No write through the swapped member fails, and no write waits for its request timeout:
     * what arrives while the leader hands its leadership over, or before a new node has heard from
     * the leader, is held for the leader rather than dropped (writes through the others may still
     * fail at once while they elect the new leader, as in etcd).
     */
    @Test
    void aRaftCoreSwappedOnAFollowerThenOnTheLeaderLosesNoAcknowledgedWrite() throws Exception {
        Set<String> acknowledged = onAFollowerThenTheLeaderUnderWriters(true, step -> {
            String where = step.onLeader() ? "the leader" : "a follower";
            Writers writers = step.writers();
            int failedBefore = writers.failures(step.writerThroughMember());
            writers.resetLongestGap();
            CountingRaftCore core = new CountingRaftCore(cluster.standardCore());
            long applied = appliedIndex(step.member());
            step.member().replaceRaftCore(core);
            Await.until(where + " runs a node of the new core", BOUND, () -> core.created() == 1);
            Await.until("it keeps applying", BOUND, () -> appliedIndex(step.member()) > applied + PROGRESS);
            writers.awaitMore(3 * PROGRESS, BOUND);
            assertThat(core.created()).as("one node per swap").isEqualTo(1);
            assertThat(writers.failures(step.writerThroughMember()) - failedBefore)
                    .as("writes through %s failed by its swap: %s", where, writers.latestFailures()).isZero();
            // a write left to its request timeout (5 s and more) stalls every writer sooner or later
            assertThat(writers.longestGap()).as("longest time without an acknowledged write, swap on " + where)
                    .isLessThan(Duration.ofSeconds(4));
        });
        assertThat(acknowledged).hasSizeGreaterThan(3 * PROGRESS);
    }

    /**
     * A leader hands its leadership over before its core changes even when its node has just
     * forgotten which followers it heard from (check-quorum clears that at the end of every
     * election timeout): a follower it replicates to is as good a transferee. Without the
     * hand-over the member changes its core leaderless, and the writes it holds for the next
     * leader may time out while the cluster elects one (seen in CI: "etcdserver: no leader").
     */
    @Test
    void aLeaderThatForgotItsFollowersStillHandsOverBeforeItsCoreChanges() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember lead = agreedLeader(all);
        TestMember follower = all.stream().filter(m -> m != lead).findFirst().orElseThrow();
        QuietFollowersRaftCore quiet = new QuietFollowersRaftCore(cluster.standardCore());
        CountingRaftCore quietNodes = new CountingRaftCore(quiet);
        follower.replaceRaftCore(quietNodes);
        Await.until("the follower runs a node of the quiet core", BOUND, () -> quietNodes.created() == 1);
        lead.maintenance().moveLeader(MoveLeaderRequest.newBuilder().setTargetID(follower.memberId()).build())
                .get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        Await.until("the quiet follower leads", BOUND, () -> agreedLeader(all) == follower);
        // once every member applied a write of the new leader, it replicates to both followers
        // (a leader's followers start in probe state): the moment check-quorum has just cleared
        putEventually(follower.kv(), "before", "the swap");
        long applied = appliedIndex(follower);
        Await.until("every member applied the write", BOUND, () -> all.stream().allMatch(m -> appliedIndex(m) >= applied));

        follower.replaceRaftCore(new CountingRaftCore(cluster.standardCore()));
        TestMember next = agreedLeader(all, follower.memberId());
        assertThat(quiet.transfers()).as("the leader transfers asked of the quiet leader's node")
                .containsExactly(next.memberId());
        putEventually(next.kv(), "after", "the swap");
    }

    /**
     * The raft core taken away with no replacement, as {@code bundle:update} of the raft bundle
     * does between the bundle's stop and its start: on a follower, then on the leader. The member
     * stands still meanwhile and the others go on (electing a new leader when it led); a new core
     * resumes it, it catches up, and no acknowledged write is lost.
     */
    @Test
    void aRaftCoreThatGoesAwayPausesTheMemberUntilTheNextCoreResumesIt() throws Exception {
        onAFollowerThenTheLeaderUnderWriters(false, step -> {
            TestMember m = step.member();
            List<TestMember> others = step.others();
            m.releaseRaftCore();
            long releasedAt = appliedIndex(m);
            Await.until("the others apply on without it", BOUND, () -> others.stream().allMatch(o -> appliedIndex(o) > releasedAt + PROGRESS));
            // what its last node had handed to the apply loop is applied by now; nothing after it
            long pausedAt = appliedIndex(m);
            Await.until("the others apply further", BOUND, () -> others.stream().allMatch(o -> appliedIndex(o) > pausedAt + PROGRESS));
            assertThat(appliedIndex(m)).as("the member without a core applies nothing new").isEqualTo(pausedAt);
            CountingRaftCore core = new CountingRaftCore(cluster.standardCore());
            m.replaceRaftCore(core);
            Await.until("it runs a node of the new core", BOUND, () -> core.created() == 1);
            long othersApplied = appliedIndex(others.get(0));
            Await.until("it catches up", BOUND, () -> appliedIndex(m) >= othersApplied);
        });
    }

    /** What a scenario does to one member while the others look on. */
    private interface MemberStep {
        void run(StepOn step) throws Exception;
    }

    /**
     * The member a step acts on, and the writers looking on; {@code writerThroughMember} is the
     * index of the writer that writes through {@code member} alone, -1 when there is none.
     */
    private record StepOn(TestMember member, List<TestMember> others, boolean onLeader, Writers writers,
                          int writerThroughMember) {
    }

    /**
     * Three members under three writers through all of them (and, with {@code writerPerMember},
     * one more through each member alone): {@code step} on a follower, then on the leader, each
     * followed by more acknowledged writes; then nothing may have been lost
     * ({@link #stopAndCheckNothingLost}). Returns the acknowledged writes.
     */
    private Set<String> onAFollowerThenTheLeaderUnderWriters(boolean writerPerMember, MemberStep step) throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        List<KeyWriter> through = new ArrayList<>(List.of(cluster.writer(all), cluster.writer(all), cluster.writer(all)));
        int firstPerMember = through.size();
        if (writerPerMember) {
            all.forEach(m -> through.add(cluster.writer(List.of(m))));
        }
        try (Writers writers = Writers.start(through.toArray(KeyWriter[]::new));
             AppliedIndexWatch watch = new AppliedIndexWatch(all.stream().map(TestMember::maintenance).toList())) {
            writers.awaitMore(PROGRESS, BOUND);
            for (boolean onLeader : List.of(false, true)) {
                TestMember lead = agreedLeader(all);
                TestMember m = onLeader ? lead : all.stream().filter(x -> x != lead).findFirst().orElseThrow();
                step.run(new StepOn(m, all.stream().filter(x -> x != m).toList(), onLeader, writers,
                        writerPerMember ? firstPerMember + all.indexOf(m) : -1));
                writers.awaitMore(PROGRESS, BOUND);
            }
            return stopAndCheckNothingLost(all, writers, watch);
        }
    }

    /**
     * Stops the writers and the watch, then checks that no applied index went back, the members end
     * at one revision and hash, and every acknowledged write is on every member; returns those writes.
     */
    private static Set<String> stopAndCheckNothingLost(List<TestMember> all, Writers writers, AppliedIndexWatch watch)
            throws Exception {
        Set<String> acknowledged = writers.stop();
        assertThat(watch.stopAndReportWentBack()).as("an applied index went back").isFalse();
        awaitSameRevisionAndHash(all);
        for (TestMember m : all) {
            assertThat(localKeys(m.kv(), Writers.KEYS_FROM, Writers.KEYS_TO)).as("writes on %s", m.name())
                    .containsAll(acknowledged);
        }
        return acknowledged;
    }

    // ---- leases

    /** Keep-alive, time-to-live and revoke through a follower, which forwards to the leader or proposes. */
    @Test
    void aLeaseIsKeptAliveAskedAboutAndRevokedThroughAFollower() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember leader = agreedLeader(all);
        TestMember follower = all.stream().filter(m -> m != leader).findFirst().orElseThrow();
        long id = Leases.grant(follower, 30);
        Leases.putWithLease(follower, "leased/a", id);
        Leases.putWithLease(leader, "leased/b", id);
        LeaseKeepAliveResponse renewed = follower.lease().leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build())
                .get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(renewed.getID()).isEqualTo(id);
        assertThat(renewed.getTTL()).isEqualTo(30);
        LeaseTimeToLiveResponse ttl = Leases.timeToLive(follower.lease(), id);
        assertThat(ttl.getGrantedTTL()).isEqualTo(30);
        assertThat(ttl.getTTL()).isBetween(25L, 30L);
        assertThat(ttl.getKeysList()).containsExactly(bytes("leased/a"), bytes("leased/b"));

        long revoked = follower.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build())
                .get(BOUND.toSeconds(), TimeUnit.SECONDS).getHeader().getRevision();
        awaitSameRevisionAndHash(all);
        for (TestMember m : all) {
            assertThat(localKeys(m.kv(), "leased/", "leased0")).as("keys on %s", m.name()).isEmpty();
            assertThat(value(m.kv(), "leased/a", false)).isNull();
        }
        assertThat(rangeAt(all.get(0), revoked - 1)).as("both keys were deleted at the revoke's revision").hasSize(2);
        assertThat(errorOf(leader.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build())))
                .isEqualTo(EtcdError.LEASE_NOT_FOUND);
        assertThat(errorOf(follower.kv().put(PutRequest.newBuilder().setKey(bytes("late")).setValue(bytes("v"))
                .setLease(id).build()))).isEqualTo(EtcdError.LEASE_NOT_FOUND);
        assertThat(follower.lease().leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build())
                .get(BOUND.toSeconds(), TimeUnit.SECONDS).getTTL()).as("a keep-alive of a lease gone").isZero();
        assertThat(Leases.timeToLive(follower.lease(), id).getTTL()).isEqualTo(-1);
    }

    /** Only the leader expires a lease, by a revoke through the log: every member deletes its keys at one revision. */
    @Test
    void anExpiredLeaseHasItsKeysDeletedOnEveryMemberAtOneRevision() throws Exception {
        List<TestMember> all = startThree(Map.of());
        agreedLeader(all);
        putEventually(all.get(1).kv(), "kept", "v");
        long id = Leases.grant(all.get(1), 3);
        Leases.putWithLease(all.get(0), "expiring/a", id);
        Leases.putWithLease(all.get(2), "expiring/b", id);
        for (TestMember m : all) {
            Await.until("the keys are gone on " + m.name(), BOUND,
                    () -> localValueOrNull(m.kv(), "expiring/a") == null && localValueOrNull(m.kv(), "expiring/b") == null);
        }
        awaitSameRevisionAndHash(all);
        for (TestMember m : all) {
            long now = m.kv().range(RangeRequest.newBuilder().setKey(bytes("kept")).setSerializable(true).build())
                    .get(10, TimeUnit.SECONDS).getHeader().getRevision();
            assertThat(rangeAt(m, now)).as("nothing left on %s", m.name()).isEmpty();
            assertThat(rangeAt(m, now - 1)).as("both deleted by the last revision on %s", m.name()).hasSize(2);
            assertThat(value(m.kv(), "kept", true)).isEqualTo("v");
        }
        assertThat(Leases.timeToLive(all.get(0).lease(), id).getTTL()).isEqualTo(-1);
    }

    /** A new leader extends every lease by the election timeout, so closing the leader expires none early. */
    @Test
    void closingTheLeaderExpiresNoLeaseEarly() throws Exception {
        List<TestMember> all = startThree(Map.of());
        TestMember old = agreedLeader(all);
        long id = Leases.grant(old, 5);
        long granted = System.nanoTime();
        Leases.putWithLease(old, "survives", id);
        cluster.stop(old.name());
        List<TestMember> rest = all.stream().filter(m -> m != old).toList();
        agreedLeader(rest, old.memberId());
        for (TestMember m : rest) {
            Await.until("the new leader expires the lease on " + m.name(), BOUND,
                    () -> localValueOrNull(m.kv(), "survives") == null);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - granted)).as("the key lived its TTL at least")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }

    /**
     * Lease checkpoints (on by default; here every second) keep a lease's remaining TTL through a
     * leader change and a restart of the whole cluster, rather than starting it again from its TTL.
     */
    @Test
    void aLeaseKeepsItsRemainingTtlAcrossALeaderChangeAndAFullRestart() throws Exception {
        Map<String, String> checkpoints = Map.of("experimental-lease-checkpoint-interval", "1s");
        List<TestMember> all = startThree(checkpoints);
        TestMember old = agreedLeader(all);
        long id = Leases.grant(old, 65);
        Leases.putWithLease(old, "held", id);
        Await.until("the lease is down to 59 s", Duration.ofSeconds(60), () -> Leases.remainingTtl(all, id) <= 59);

        cluster.stop(old.name());
        List<TestMember> rest = all.stream().filter(m -> m != old).toList();
        agreedLeader(rest, old.memberId());
        assertThat(Leases.remainingTtl(rest, id)).as("after a leader change (65 without checkpoints)").isBetween(50L, 62L);

        rest.forEach(m -> cluster.stop(m.name()));
        List<TestMember> again = new ArrayList<>();
        for (String name : THREE) {
            again.add(cluster.start(name, checkpoints));
        }
        agreedLeader(again);
        assertThat(Leases.remainingTtl(again, id)).as("after a full restart").isBetween(40L, 62L);
        assertThat(Leases.timeToLive(again.get(0).lease(), id).getKeysList()).containsExactly(bytes("held"));
    }

    /**
     * A member that catches up from a snapshot has the leases from it and attaches their keys
     * again from its key-value store: its own revoke then deletes the same keys as the others'.
     */
    @Test
    void aMemberCatchingUpFromASnapshotKnowsTheLeasesAndTheirKeys() throws Exception {
        Map<String, String> small = Map.of("snapshot-count", "20", "experimental-snapshot-catchup-entries", "5");
        List<TestMember> all = startThree(small);
        agreedLeader(all);
        cluster.stop("m3");
        TestMember writer = named(all, "m1");
        long id = Leases.grant(writer, 600);
        Leases.putWithLease(writer, "leased/snap", id);
        for (int i = 0; i < 40; i++) {
            putEventually(writer.kv(), "filler" + i, "x");
        }
        TestMember m3 = cluster.start("m3", small);
        Await.until("m3 catches up", BOUND, () -> "x".equals(localValueOrNull(m3.kv(), "filler39")));
        assertThat(cluster.receivedSnapshot("m3")).as("m3 installed a snapshot from its leader").isTrue();
        assertThat(m3.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()).get(10, TimeUnit.SECONDS)
                .getLeasesList()).extracting(LeaseStatus::getID).containsExactly(id);
        writer.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()).get(BOUND.toSeconds(), TimeUnit.SECONDS);
        List<TestMember> now = List.of(named(all, "m1"), named(all, "m2"), m3);
        awaitSameRevisionAndHash(now);
        assertThat(localValueOrNull(m3.kv(), "leased/snap")).isNull();
    }

    /** The keys under {@code leased/} and {@code expiring/} at {@code revision}, read locally. */
    private static List<String> rangeAt(TestMember m, long revision) throws Exception {
        return m.kv().range(RangeRequest.newBuilder().setKey(bytes("e")).setRangeEnd(bytes("m")).setRevision(revision)
                .setSerializable(true).build()).get(10, TimeUnit.SECONDS).getKvsList().stream()
                .map(kv -> kv.getKey().toStringUtf8()).filter(k -> k.startsWith("expiring/") || k.startsWith("leased/"))
                .toList();
    }
}
