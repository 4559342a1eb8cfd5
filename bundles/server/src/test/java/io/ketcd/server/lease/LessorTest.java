package io.ketcd.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.LeaseCheckpoint;
import io.ketcd.proto.etcdserverpb.LeaseCheckpointRequest;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lessor on a fake clock: grants, renewals, expiry, checkpoints, promotion and demotion. */
class LessorTest {
    private static final Duration INTERVAL = Duration.ofMinutes(5);

    @TempDir
    Path dir;
    private Backend backend;
    private long now = 1_000_000_000_000L;
    private Lessor lessor;
    /** Checkpoints the lessor proposed, applied at once as the log would apply them. */
    private final List<LeaseCheckpointRequest> proposed = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        backend = MvStoreBackend.open(dir.resolve("db"), BackendOptions.DEFAULTS);
        lessor = newLessor();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    private Lessor newLessor() {
        Lessor l = new Lessor(() -> now, 2, INTERVAL);
        l.setCheckpointer(this::apply);
        l.recover(new LeaseBucket(backend));
        return l;
    }

    private CompletableFuture<?> apply(LeaseCheckpointRequest r) {
        proposed.add(r);
        write(() -> r.getCheckpointsList().forEach(c -> lessor.checkpoint(c.getID(), c.getRemainingTTL())));
        return CompletableFuture.completedFuture(null);
    }

    private void write(Runnable r) {
        backend.write(() -> {
            r.run();
            return null;
        });
    }

    private long grant(long id, long ttl) {
        return backend.write(() -> lessor.grant(id, ttl));
    }

    private void advance(Duration d) {
        now += d.toNanos();
    }

    private long ttl(long id) {
        return lessor.lookup(id, false).orElseThrow().remainingSeconds();
    }

    private static EtcdError errorOf(CompletableFuture<?> f) throws Exception {
        try {
            f.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (!(c instanceof EtcdException) && c.getCause() != null) {
                c = c.getCause();
            }
            return ((EtcdException) c).error();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void theMinimumTtlFollowsEtcdsFormula() {
        assertThat(Lessor.minTtl(Duration.ofMillis(100), Duration.ofMillis(1000))).isEqualTo(2); // 15 ticks of 100 ms
        assertThat(Lessor.minTtl(Duration.ofMillis(20), Duration.ofMillis(200))).isEqualTo(1);
        assertThat(Lessor.minTtl(Duration.ofMillis(100), Duration.ofMillis(5000))).isEqualTo(8); // 7.5 s rounded up
    }

    @Test
    void grantsRaiseShortTtlsAndRefuseTooLargeOnesExistingIdsAndZero() {
        assertThat(grant(1, 1)).isEqualTo(2);
        assertThat(grant(2, -5)).isEqualTo(2);
        assertThat(grant(3, Lessor.MAX_LEASE_TTL)).isEqualTo(Lessor.MAX_LEASE_TTL);
        assertThatThrownBy(() -> grant(4, Lessor.MAX_LEASE_TTL + 1)).isInstanceOf(EtcdException.class)
                .hasMessage(EtcdError.LEASE_TTL_TOO_LARGE.message());
        assertThatThrownBy(() -> grant(1, 10)).hasMessage(EtcdError.LEASE_EXIST.message());
        assertThatThrownBy(() -> grant(0, 10)).hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(lessor.exists(1)).isTrue();
        assertThat(lessor.exists(4)).isFalse();
    }

    @Test
    void onlyThePrimaryExpiresLeasesAndADemotedOneForgetsTheExpiry() {
        grant(1, 10);
        advance(Duration.ofSeconds(60));
        assertThat(lessor.expired(100)).as("a follower never expires leases").isEmpty();

        lessor.promote(Duration.ofSeconds(1));
        assertThat(ttl(1)).isEqualTo(11);
        advance(Duration.ofMillis(10_999));
        assertThat(lessor.expired(100)).isEmpty();
        advance(Duration.ofMillis(1));
        assertThat(lessor.expired(100)).containsExactly(1L);
        assertThat(lessor.expired(100)).as("offered again only after the retry interval").isEmpty();
        advance(Duration.ofSeconds(3));
        assertThat(lessor.expired(100)).containsExactly(1L);

        lessor.demote();
        advance(Duration.ofHours(1));
        assertThat(lessor.expired(100)).isEmpty();
        assertThat(ttl(1)).as("no expiry off the primary").isGreaterThan(9_000_000_000L);
    }

    @Test
    void aRenewRestartsTheFullTtlOnThePrimaryOnly() throws Exception {
        grant(7, 30);
        assertThat(errorOf(lessor.renew(7))).as("not primary").isEqualTo(EtcdError.NOT_LEADER);
        lessor.promote(Duration.ZERO);
        advance(Duration.ofSeconds(20));
        assertThat(ttl(7)).isEqualTo(10);
        assertThat(lessor.renew(7).get()).isEqualTo(30);
        assertThat(ttl(7)).isEqualTo(30);
        assertThat(errorOf(lessor.renew(8))).isEqualTo(EtcdError.LEASE_NOT_FOUND);
    }

    @Test
    void aRenewOfAnExpiredLeaseWaitsForItsRevocation() throws Exception {
        grant(7, 5);
        lessor.promote(Duration.ZERO);
        advance(Duration.ofSeconds(6));
        CompletableFuture<Long> renew = lessor.renew(7);
        assertThat(renew).isNotDone();
        write(() -> lessor.remove(7));
        assertThat(errorOf(renew)).isEqualTo(EtcdError.LEASE_NOT_FOUND);

        grant(8, 5);
        lessor.promote(Duration.ZERO);
        advance(Duration.ofSeconds(6));
        CompletableFuture<Long> other = lessor.renew(8);
        lessor.demote();
        assertThat(errorOf(other)).as("a demoted lessor sends the renew to the next leader").isEqualTo(EtcdError.NOT_LEADER);
    }

    @Test
    void keysFollowTheirLatestPutAndLeaveOnDeleteInBytewiseOrder() {
        grant(1, 10);
        grant(2, 10);
        ByteString a = ByteString.copyFromUtf8("a");
        ByteString b = ByteString.copyFromUtf8("b");
        ByteString high = ByteString.copyFrom(new byte[] {(byte) 0xff});
        lessor.put(high, 1);
        lessor.put(b, 1);
        lessor.put(a, 1);
        assertThat(lessor.keysToRevoke(1)).containsExactly(a, b, high);
        lessor.put(a, 2);
        lessor.put(b, 0);
        lessor.deleted(high);
        assertThat(lessor.keysToRevoke(1)).isEmpty();
        assertThat(lessor.lookup(2, true).orElseThrow().keys()).containsExactly(a);
        assertThat(lessor.lookup(2, false).orElseThrow().keys()).isEmpty();
        write(() -> lessor.remove(2));
        assertThatThrownBy(() -> lessor.keysToRevoke(2)).hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        lessor.put(a, 1); // a key left behind by a revoke may be put on another lease
        assertThat(lessor.keysToRevoke(1)).containsExactly(a);
    }

    @Test
    void checkpointsAreDueAfterTheIntervalAndCarryTheRemainingTtlRoundedUp() {
        grant(1, 3600);
        grant(2, 60); // not longer than the interval: never checkpointed
        lessor.promote(Duration.ZERO);
        advance(INTERVAL.minusSeconds(1));
        assertThat(lessor.dueCheckpoints(10)).isEmpty();
        advance(Duration.ofMillis(1500));
        assertThat(lessor.dueCheckpoints(10)).containsExactly(
                LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(3600 - 300).build());
        assertThat(lessor.dueCheckpoints(10)).as("once per interval").isEmpty();
    }

    @Test
    void theRemainingTtlOfACheckpointSurvivesALeaderChangeAndARestart() {
        grant(1, 3600);
        lessor.promote(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(3000));
        write(() -> lessor.checkpoint(1, 600));
        lessor.demote();

        // another member's lessor took over: it starts the lease from the checkpoint plus the extension
        lessor.promote(Duration.ofSeconds(1));
        assertThat(ttl(1)).isEqualTo(601);

        // a restart recovers it from the backend
        Lessor restarted = newLessor();
        restarted.promote(Duration.ofSeconds(1));
        assertThat(restarted.lookup(1, false).orElseThrow().remainingSeconds()).isEqualTo(601);
        assertThat(restarted.lookup(1, false).orElseThrow().grantedTtl()).isEqualTo(3600);
    }

    @Test
    void aRenewClearsACheckpointedRemainingTtlThroughTheLog() throws Exception {
        grant(1, 3600);
        write(() -> lessor.checkpoint(1, 100));
        lessor.promote(Duration.ZERO);
        assertThat(ttl(1)).isEqualTo(100);
        assertThat(lessor.renew(1).get()).isEqualTo(3600);
        assertThat(proposed).containsExactly(LeaseCheckpointRequest.newBuilder()
                .addCheckpoints(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(0)).build());
        assertThat(ttl(1)).isEqualTo(3600);
        lessor.demote();
        lessor.promote(Duration.ZERO);
        assertThat(ttl(1)).as("the cleared checkpoint gives the full TTL").isEqualTo(3600);
        proposed.clear();
        lessor.renew(1).get();
        assertThat(proposed).as("nothing to clear: no log entry").isEmpty();
    }

    @Test
    void aPromotionSpreadsAPileOfLeasesOverLaterSeconds() {
        for (long id = 1; id <= 2000; id++) {
            grant(id, 10);
        }
        lessor.promote(Duration.ZERO);
        // 750 in the first second, the next 750 spread over the second after it, the rest over the third
        advance(Duration.ofSeconds(10));
        assertThat(revokeExpired()).isEqualTo(750);
        advance(Duration.ofSeconds(1));
        assertThat(revokeExpired()).isZero();
        advance(Duration.ofSeconds(1));
        assertThat(revokeExpired()).isEqualTo(750);
        advance(Duration.ofSeconds(1));
        assertThat(revokeExpired()).isEqualTo(500);
    }

    /** Revokes the expired leases as the leader's proposals would; how many. */
    private int revokeExpired() {
        List<Long> expired = lessor.expired(Integer.MAX_VALUE);
        write(() -> expired.forEach(lessor::remove));
        return expired.size();
    }

    @Test
    void leasesAreListedSoonestToExpireFirst() {
        grant(5, 100);
        grant(6, 10);
        grant(7, 50);
        lessor.promote(Duration.ZERO);
        assertThat(lessor.leases()).extracting(LeaseInfo::id).containsExactly(6L, 7L, 5L);
    }
}
