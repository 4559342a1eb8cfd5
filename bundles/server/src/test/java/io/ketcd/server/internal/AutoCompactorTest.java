package io.ketcd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.EtcdError;
import io.ketcd.server.AutoCompaction;
import io.ketcd.server.AutoCompaction.Mode;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

/**
 * {@link AutoCompactor}'s decisions, driven by a fake clock and timer, against a model of etcd
 * 3.4's compactor loops written in terms of time: periodic mode compacts to the revision of the
 * retention (plus one sampling interval, after the first time) ago, revision mode to the current
 * revision minus the retention; only a leader compacts, and a retention of 0 never does.
 */
class AutoCompactorTest {
    private static final long MS = 1_000_000L;
    private static final Duration REVISION_INTERVAL = Duration.ofSeconds(1);

    /** What the fake compaction answers, in etcd's terms. */
    enum Outcome { DONE, ALREADY_COMPACTED, FAILED }

    /** A compaction the compactor asked for: when, and to which revision. */
    record Compaction(long at, long revision) {
    }

    /** A clock and a timer in one, moved by the test: due tasks run in time order, on the test's thread. */
    static final class ManualTime implements AutoCompactor.Timer {
        private record Task(long at, long seq, Runnable run, CompletableFuture<Void> handle) {
        }

        private final PriorityQueue<Task> tasks =
                new PriorityQueue<>(Comparator.comparingLong(Task::at).thenComparingLong(Task::seq));
        private long now;
        private long seq;

        ManualTime(long start) {
            now = start;
        }

        long now() {
            return now;
        }

        @Override
        public Future<?> schedule(Runnable task, long delayNanos) {
            CompletableFuture<Void> handle = new CompletableFuture<>();
            tasks.add(new Task(now + delayNanos, seq++, task, handle));
            return handle;
        }

        void advanceTo(long time) {
            while (!tasks.isEmpty() && tasks.peek().at() <= time) {
                Task t = tasks.poll();
                now = t.at();
                if (!t.handle().isCancelled()) {
                    t.run().run();
                    t.handle().complete(null);
                }
            }
            now = time;
        }

        long pending() {
            return tasks.stream().filter(t -> !t.handle().isDone()).count();
        }
    }

    /** A member as the compactor sees it: a revision, a leadership, and compactions answered as told. */
    static final class FakeMember {
        final ManualTime time;
        long revision = 1;
        boolean leader = true;
        final List<Compaction> asked = new ArrayList<>();
        /** Answers for the next compactions, in order; DONE when empty. */
        final Deque<Outcome> outcomes = new ArrayDeque<>();
        /** When set, compactions stay in flight until the test completes this. */
        CompletableFuture<Object> inFlight;

        FakeMember(long start) {
            time = new ManualTime(start);
        }

        AutoCompactor compactor() {
            return new AutoCompactor(() -> revision, () -> leader, this::compact, time::now, time, REVISION_INTERVAL);
        }

        private CompletableFuture<?> compact(long to) {
            asked.add(new Compaction(time.now(), to));
            if (inFlight != null) {
                return inFlight;
            }
            Outcome o = outcomes.isEmpty() ? Outcome.DONE : outcomes.poll();
            return switch (o) {
                case DONE -> CompletableFuture.completedFuture(null);
                case ALREADY_COMPACTED -> CompletableFuture.failedFuture(EtcdError.COMPACTED.exception());
                case FAILED -> CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception());
            };
        }
    }

    private static AutoCompaction periodic(Duration retention) {
        return new AutoCompaction(Mode.PERIODIC, retention, 0);
    }

    private static AutoCompaction revisions(long retention) {
        return new AutoCompaction(Mode.REVISION, Duration.ZERO, retention);
    }

    @Test
    void periodicModeCompactsToTheRevisionObservedTheRetentionAgoOverManySeeds() {
        for (long seed = 1; seed <= 200; seed++) {
            checkPeriodicAgainstModel(seed);
        }
    }

    /**
     * The model: the compactor wakes every {@code r} (a tenth of the retention, at most 6 min)
     * from the start; at a wake at {@code T} as leader, once the retention has passed since the
     * start (the first time) or {@code min(retention, 1h)} since the last compaction that did
     * not fail, it compacts to the revision current at {@code max(start, T - retention - r)}.
     */
    private static void checkPeriodicAgainstModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Duration retention = random.nextInt(4) == 0 ? Duration.ofHours(2 + random.nextInt(4))
                : Duration.ofMillis(10L * (10 + random.nextInt(300)));
        long r = Math.min(retention.toNanos(), Duration.ofHours(1).toNanos()) / 10;
        long start = random.nextLong(1L << 40);
        FakeMember member = new FakeMember(start);
        TreeMap<Long, Long> revisionAt = new TreeMap<>();
        revisionAt.put(start, member.revision);
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(periodic(retention));

        List<Compaction> expected = new ArrayList<>();
        long lastSuccess = start;
        boolean first = true;
        int wakes = 20 + random.nextInt(200);
        for (int k = 1; k <= wakes; k++) {
            // between two wake-ups: writes, leadership changes, what the next compaction answers
            long between = start + (k - 1) * r + r / 2;
            member.time.advanceTo(between);
            if (random.nextInt(3) > 0) {
                member.revision += random.nextInt(6);
                revisionAt.put(between, member.revision);
            }
            if (random.nextInt(8) == 0) {
                member.leader = !member.leader;
            }
            Outcome outcome = Outcome.values()[random.nextInt(6) < 4 ? 0 : random.nextInt(3)];
            member.outcomes.clear();
            member.outcomes.add(outcome);

            long wake = start + k * r;
            long wait = first ? retention.toNanos() : Math.min(retention.toNanos(), Duration.ofHours(1).toNanos());
            if (member.leader && wake - lastSuccess >= wait) {
                first = false;
                expected.add(new Compaction(wake, revisionAt.floorEntry(Math.max(start, wake - retention.toNanos() - r))
                        .getValue()));
                if (outcome != Outcome.FAILED) {
                    lastSuccess = wake;
                }
            }
            member.time.advanceTo(wake);
        }
        assertThat(member.asked).as("seed %d, retention %s", seed, retention).containsExactlyElementsOf(expected);
    }

    @Test
    void revisionModeCompactsToTheCurrentRevisionMinusTheRetentionOverManySeeds() {
        for (long seed = 1; seed <= 200; seed++) {
            checkRevisionAgainstModel(seed);
        }
    }

    /**
     * The model: every interval, as leader, compact to {@code current - retention} when that is
     * positive and not where the last compaction that did not fail went.
     */
    private static void checkRevisionAgainstModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long retention = 1 + random.nextInt(20);
        long interval = REVISION_INTERVAL.toNanos();
        long start = random.nextLong(1L << 40);
        FakeMember member = new FakeMember(start);
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(revisions(retention));

        List<Compaction> expected = new ArrayList<>();
        long lastCompacted = 0;
        int wakes = 20 + random.nextInt(100);
        for (int k = 1; k <= wakes; k++) {
            member.time.advanceTo(start + (k - 1) * interval + interval / 2);
            member.revision += random.nextInt(3) == 0 ? 0 : random.nextInt(8);
            if (random.nextInt(6) == 0) {
                member.leader = !member.leader;
            }
            Outcome outcome = Outcome.values()[random.nextInt(3)];
            member.outcomes.clear();
            member.outcomes.add(outcome);

            long wake = start + k * interval;
            long target = member.revision - retention;
            if (member.leader && target > 0 && target != lastCompacted) {
                expected.add(new Compaction(wake, target));
                if (outcome != Outcome.FAILED) {
                    lastCompacted = target;
                }
            }
            member.time.advanceTo(wake);
        }
        assertThat(member.asked).as("seed %d, retention %d", seed, retention).containsExactlyElementsOf(expected);
    }

    @Test
    void aRetentionOfZeroNeverWakesNorCompacts() {
        for (AutoCompaction off : List.of(AutoCompaction.OFF, revisions(0), periodic(Duration.ZERO))) {
            FakeMember member = new FakeMember(0);
            member.compactor().reconfigure(off);
            member.revision = 1_000;
            member.time.advanceTo(Duration.ofDays(2).toNanos());
            assertThat(member.time.pending()).as("%s", off).isZero();
            assertThat(member.asked).as("%s", off).isEmpty();
        }
    }

    @Test
    void aFollowerNeverCompactsButSamplesSoThatAsLeaderItGoesBackTheWholeRetention() {
        FakeMember member = new FakeMember(0);
        member.leader = false;
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(periodic(Duration.ofSeconds(1)));
        for (int i = 1; i <= 30; i++) {
            member.revision = 100 + i;
            member.time.advanceTo(i * 100 * MS + 50 * MS);
        }
        assertThat(member.asked).isEmpty();
        // it leads from 3.05 s: the next wake compacts to what was current 1.1 s before it
        member.leader = true;
        member.time.advanceTo(3_100 * MS);
        assertThat(member.asked).containsExactly(new Compaction(3_100 * MS, 120));

        FakeMember revisionMember = new FakeMember(0);
        revisionMember.leader = false;
        revisionMember.compactor().reconfigure(revisions(5));
        revisionMember.revision = 50;
        revisionMember.time.advanceTo(10 * REVISION_INTERVAL.toNanos());
        assertThat(revisionMember.asked).isEmpty();
    }

    @Test
    void reconfigureTakesEffectAtOnceAndTheSameSettingsChangeNothing() {
        FakeMember member = new FakeMember(0);
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(periodic(Duration.ofHours(1)));
        member.time.advanceTo(Duration.ofMinutes(30).toNanos());
        member.revision = 40;

        // to revision mode: the periodic wake-up is gone, the first look is one interval later
        compactor.reconfigure(revisions(10));
        assertThat(compactor.settings()).isEqualTo(revisions(10));
        assertThat(member.time.pending()).isEqualTo(1);
        long switched = member.time.now();
        member.time.advanceTo(switched + REVISION_INTERVAL.toNanos());
        assertThat(member.asked).containsExactly(new Compaction(switched + REVISION_INTERVAL.toNanos(), 30));

        // the same settings again neither reset nor postpone anything
        member.revision = 45;
        member.time.advanceTo(switched + REVISION_INTERVAL.toNanos() + REVISION_INTERVAL.toNanos() / 2);
        compactor.reconfigure(revisions(10));
        member.time.advanceTo(switched + 2 * REVISION_INTERVAL.toNanos());
        assertThat(member.asked).last().isEqualTo(new Compaction(switched + 2 * REVISION_INTERVAL.toNanos(), 35));

        // another retention applies at the next look
        compactor.reconfigure(revisions(40));
        member.time.advanceTo(member.time.now() + REVISION_INTERVAL.toNanos());
        assertThat(member.asked).last().isEqualTo(new Compaction(member.time.now(), 5));

        // off: nothing is scheduled any more
        compactor.reconfigure(AutoCompaction.OFF);
        assertThat(member.time.pending()).isZero();
        int before = member.asked.size();
        member.revision = 1_000;
        member.time.advanceTo(member.time.now() + Duration.ofHours(5).toNanos());
        assertThat(member.asked).hasSize(before);

        // and back to periodic: the retention is waited for again from now
        long on = member.time.now();
        compactor.reconfigure(periodic(Duration.ofMillis(500)));
        member.revision = 1_001;
        member.time.advanceTo(on + 450 * MS);
        assertThat(member.asked).hasSize(before);
        member.time.advanceTo(on + 500 * MS);
        assertThat(member.asked).last().isEqualTo(new Compaction(on + 500 * MS, 1_000));
    }

    @Test
    void aCompactionInFlightIsNotStartedAgainAndCountsOnceItCompletes() {
        FakeMember member = new FakeMember(0);
        member.inFlight = new CompletableFuture<>();
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(revisions(10));
        member.revision = 20;
        member.time.advanceTo(REVISION_INTERVAL.toNanos());
        member.revision = 30;
        member.time.advanceTo(3 * REVISION_INTERVAL.toNanos());
        assertThat(member.asked).containsExactly(new Compaction(REVISION_INTERVAL.toNanos(), 10));

        member.inFlight.complete(null);
        member.inFlight = null;
        member.time.advanceTo(4 * REVISION_INTERVAL.toNanos());
        assertThat(member.asked).last().isEqualTo(new Compaction(4 * REVISION_INTERVAL.toNanos(), 20));
    }

    @Test
    void aFailedCompactionIsTriedAgainAndAnAlreadyCompactedOneCountsAsDone() {
        FakeMember member = new FakeMember(0);
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(revisions(10));
        member.revision = 20;
        member.outcomes.add(Outcome.FAILED);
        member.outcomes.add(Outcome.FAILED);
        member.outcomes.add(Outcome.ALREADY_COMPACTED);
        member.time.advanceTo(5 * REVISION_INTERVAL.toNanos());
        // failed twice, then etcd's "required revision has been compacted": done, not asked again
        assertThat(member.asked).extracting(Compaction::revision).containsExactly(10L, 10L, 10L);
    }

    @Test
    void closeStopsItAndAFailingScheduleStopsItToo() {
        FakeMember member = new FakeMember(0);
        AutoCompactor compactor = member.compactor();
        compactor.reconfigure(revisions(1));
        compactor.close();
        member.revision = 100;
        member.time.advanceTo(10 * REVISION_INTERVAL.toNanos());
        assertThat(member.asked).isEmpty();
        compactor.reconfigure(revisions(2)); // after close: ignored
        assertThat(member.time.pending()).isZero();

        AutoCompactor.Timer shutDown = (task, delay) -> {
            throw new RejectedExecutionException("shut down");
        };
        AutoCompactor rejected = new AutoCompactor(() -> 100, () -> true,
                rev -> CompletableFuture.completedFuture(null), () -> 0, shutDown, REVISION_INTERVAL);
        rejected.reconfigure(revisions(1));
        rejected.reconfigure(revisions(2));
        assertThat(rejected.settings()).as("closed by the rejection").isEqualTo(revisions(1));
    }

    @Test
    void theSamplingIntervalAndRingFollowEtcdWithAFloor() {
        assertThat(AutoCompactor.sampleIntervalNanos(Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(6).toNanos());
        assertThat(AutoCompactor.ringSize(Duration.ofHours(1))).isEqualTo(11);
        assertThat(AutoCompactor.sampleIntervalNanos(Duration.ofHours(24))).isEqualTo(Duration.ofMinutes(6).toNanos());
        assertThat(AutoCompactor.ringSize(Duration.ofHours(24))).isEqualTo(241);
        assertThat(AutoCompactor.sampleIntervalNanos(Duration.ofMillis(500))).isEqualTo(50 * MS);
        assertThat(AutoCompactor.ringSize(Duration.ofMillis(500))).isEqualTo(11);
        // etcd would spin every 500 ns for 5µs
        assertThat(AutoCompactor.sampleIntervalNanos(Duration.ofNanos(5_000))).isEqualTo(10 * MS);
        assertThat(AutoCompactor.ringSize(Duration.ofNanos(5_000))).isEqualTo(1);
    }
}
