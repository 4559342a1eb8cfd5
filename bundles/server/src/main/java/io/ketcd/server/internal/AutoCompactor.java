package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.server.AutoCompaction;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd 3.4's auto-compaction (its {@code v3compactor} Periodic and Revision), deciding when and to
 * which revision the member compacts; the compaction itself is a request through the log, so
 * every member compacts at the same place.
 *
 * <ul>
 *   <li>Periodic, retention {@code p}: every {@code p/10} (at most 6 minutes) the current revision
 *       is sampled into a ring of {@code p / (p/10) + 1} samples. Once {@code p} has passed since
 *       the start, and from then on every {@code min(p, 1h)} since the last success, the member
 *       compacts to the ring's oldest sample: the revision of {@code p} ago the first time,
 *       {@code p} plus one sampling interval ago afterwards, as etcd's loop has it. A failed
 *       compaction is tried again at the next sample.</li>
 *   <li>Revision, retention {@code n}: every {@link #REVISION_INTERVAL} the member compacts to
 *       {@code current - n} when that is positive and not where it compacted last.</li>
 * </ul>
 *
 * <p>Only the leader compacts: etcd pauses its compactor while the member follows and resumes it
 * when it leads, and checks that only when it wakes, as this class asks {@code isLeader} at each
 * wake-up. Sampling goes on while following, so a new leader knows the history. A compaction to
 * a revision already compacted ("mvcc: required revision has been compacted") counts as done,
 * as in etcd; any other failure is logged at WARN once per run of failures.
 *
 * <p>It runs no thread of its own: wake-ups go to the {@link Timer} given, and decisions take the
 * time from the clock given, so tests drive both. Thread-safe. The revision, the leadership and
 * the compaction are asked outside its lock: compactions complete on the member's apply thread,
 * which takes this lock, so holding it while waiting on the member's state could deadlock.
 */
final class AutoCompactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);
    /** etcd's revInterval. */
    static final Duration REVISION_INTERVAL = Duration.ofMinutes(5);
    /** etcd's retryDivisor: samples per compaction interval. */
    static final int SAMPLES_PER_INTERVAL = 10;
    /** etcd compacts at least hourly, however long the retention. */
    static final Duration MAX_COMPACT_INTERVAL = Duration.ofHours(1);
    /**
     * ketcd's floor of the sampling interval: etcd samples every retention/10 even for a retention
     * of microseconds, spinning; a floor keeps such a setting from busying the member's thread.
     */
    static final Duration MIN_SAMPLE_INTERVAL = Duration.ofMillis(10);

    /** Runs a task once after a delay; the member's scheduled executor in production. */
    @FunctionalInterface
    interface Timer {
        /**
         * @return a handle whose cancel keeps the task from starting
         * @throws RejectedExecutionException once the executor is shut down
         */
        Future<?> schedule(Runnable task, long delayNanos);
    }

    private final LongSupplier currentRevision;
    private final BooleanSupplier isLeader;
    /** Proposes a compaction to the revision given; completes once applied, or fails with etcd's error. */
    private final LongFunction<CompletableFuture<?>> compact;
    private final LongSupplier nanoTime;
    private final Timer timer;
    private final Duration revisionInterval;

    // all guarded by this
    private AutoCompaction settings = AutoCompaction.OFF;
    /** Counts settings applied, so a wake-up or completion of earlier ones changes nothing. */
    private long generation;
    private Future<?> nextWake;
    private boolean closed;
    /** Periodic: revisions sampled, oldest first. */
    private final Deque<Long> samples = new ArrayDeque<>();
    /** Periodic: when the last compaction succeeded (or the settings were applied). */
    private long lastSuccessNanos;
    /** Periodic: true until the first attempt, which waits the whole retention rather than the compaction interval. */
    private boolean firstAttempt;
    /** Revision: where the last compaction succeeded, 0 if none yet (etcd's prev). */
    private long lastCompacted;
    private boolean compacting;
    /** Whether the current run of failures has been logged at WARN. */
    private boolean failureLogged;

    /**
     * A compactor that is off until {@link #reconfigure} turns it on.
     *
     * @param revisionInterval how often revision mode looks; {@link #REVISION_INTERVAL} but in tests
     */
    AutoCompactor(LongSupplier currentRevision, BooleanSupplier isLeader, LongFunction<CompletableFuture<?>> compact,
                  LongSupplier nanoTime, Timer timer, Duration revisionInterval) {
        this.currentRevision = currentRevision;
        this.isLeader = isLeader;
        this.compact = compact;
        this.nanoTime = nanoTime;
        this.timer = timer;
        this.revisionInterval = revisionInterval;
    }

    /**
     * Runs with {@code next} from now on. New settings start afresh, as a new etcd compactor would
     * (the periodic ring is emptied and the retention waited for again); the same settings again
     * change nothing, so applying a configuration twice does not postpone a compaction.
     */
    void reconfigure(AutoCompaction next) {
        boolean firstSample;
        long gen;
        synchronized (this) {
            if (closed || next.equals(settings)) {
                return;
            }
            settings = next;
            gen = ++generation;
            cancelWake();
            samples.clear();
            lastSuccessNanos = nanoTime.getAsLong();
            firstAttempt = true;
            lastCompacted = 0;
            compacting = false;
            failureLogged = false;
            firstSample = next.enabled() && next.mode() == AutoCompaction.Mode.PERIODIC;
        }
        LOG.info("auto-compaction: {}", next);
        // etcd's loop samples as it starts, so the first compaction goes back to the start
        Long revision = firstSample ? readRevision() : null;
        synchronized (this) {
            if (gen != generation || !next.enabled()) {
                return;
            }
            if (revision != null) {
                addSample(revision);
            }
            scheduleWake(gen);
        }
    }

    /** The member's current revision, null while it cannot tell (closing). */
    private Long readRevision() {
        try {
            return currentRevision.getAsLong();
        } catch (RuntimeException e) {
            LOG.debug("auto-compaction could not read the member's revision: {}", e.toString());
            return null;
        }
    }

    /** The settings it runs with. */
    synchronized AutoCompaction settings() {
        return settings;
    }

    /** Stops it; a compaction in flight still completes. */
    @Override
    public synchronized void close() {
        closed = true;
        generation++;
        cancelWake();
    }

    /** The delay between wake-ups under {@code running}. */
    private long wakeIntervalNanos(AutoCompaction running) {
        if (running.mode() == AutoCompaction.Mode.REVISION) {
            return revisionInterval.toNanos();
        }
        return sampleIntervalNanos(running.period());
    }

    private long wakeIntervalMillis(AutoCompaction running) {
        return Duration.ofNanos(wakeIntervalNanos(running)).toMillis();
    }

    /**
     * etcd's retry interval, which is also its sampling interval: a tenth of the retention, at
     * most a tenth of an hour; here at least {@link #MIN_SAMPLE_INTERVAL}.
     */
    static long sampleIntervalNanos(Duration period) {
        long capped = Math.min(period.toNanos(), MAX_COMPACT_INTERVAL.toNanos());
        return Math.max(capped / SAMPLES_PER_INTERVAL, MIN_SAMPLE_INTERVAL.toNanos());
    }

    /** etcd's getRetentions: the samples the ring keeps. */
    static int ringSize(Duration period) {
        return Math.toIntExact(Math.min(period.toNanos() / sampleIntervalNanos(period) + 1, Integer.MAX_VALUE));
    }

    private void scheduleWake(long gen) {
        try {
            nextWake = timer.schedule(() -> wake(gen), wakeIntervalNanos(settings));
        } catch (RejectedExecutionException e) {
            closed = true; // the member is closing
        }
    }

    private void cancelWake() {
        if (nextWake != null) {
            nextWake.cancel(false);
            nextWake = null;
        }
    }

    /** One wake-up: decide (and start) a compaction, then sample, then schedule the next, as etcd's loop does. */
    private void wake(long gen) {
        long revision;
        boolean leader;
        try {
            revision = currentRevision.getAsLong();
            leader = isLeader.getAsBoolean();
        } catch (RuntimeException e) {
            // the member is stopping (its backend closed); close() cancels what follows
            LOG.debug("auto-compaction could not read the member's state: {}", e.toString());
            synchronized (this) {
                if (gen == generation) {
                    scheduleWake(gen);
                }
            }
            return;
        }
        long target;
        AutoCompaction running;
        synchronized (this) {
            if (gen != generation) {
                return;
            }
            running = settings;
            target = leader && !compacting ? due(revision) : 0;
            if (running.mode() == AutoCompaction.Mode.PERIODIC) {
                addSample(revision);
            }
            if (target > 0) {
                compacting = true;
            }
            scheduleWake(gen);
        }
        if (target > 0) {
            startCompaction(gen, running, target);
        }
    }

    /** The revision to compact to now, or 0 for none; the caller holds the lock and leads. */
    private long due(long revision) {
        if (settings.mode() == AutoCompaction.Mode.REVISION) {
            long target = revision - settings.revisions();
            return target > 0 && target != lastCompacted ? target : 0;
        }
        long wait = firstAttempt ? settings.period().toNanos()
                : Math.min(settings.period().toNanos(), MAX_COMPACT_INTERVAL.toNanos());
        if (nanoTime.getAsLong() - lastSuccessNanos < wait || samples.isEmpty()) {
            return 0;
        }
        firstAttempt = false; // etcd switches to the compaction interval at the first attempt, even a failed one
        return samples.peekFirst();
    }

    private void addSample(long revision) {
        samples.addLast(revision);
        while (samples.size() > ringSize(settings.period())) {
            samples.removeFirst();
        }
    }

    private void startCompaction(long gen, AutoCompaction running, long target) {
        // etcd's texts: "(retention: 1h0m0s)" in periodic mode, "(retention: 1000 revisions)" in revision mode
        LOG.info("Starting auto-compaction at revision {} (retention: {})", target, running.retentionText());
        CompletableFuture<?> done;
        try {
            done = compact.apply(target);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((r, failure) -> finished(gen, running, target, failure));
    }

    private void finished(long gen, AutoCompaction running, long target, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        boolean done = cause == null || cause instanceof EtcdException e && e.error() == EtcdError.COMPACTED;
        boolean warn;
        synchronized (this) {
            if (gen != generation) {
                return; // settings changed meanwhile: the new ones start afresh
            }
            compacting = false;
            if (done) {
                lastSuccessNanos = nanoTime.getAsLong();
                lastCompacted = target;
                failureLogged = false;
                warn = false;
            } else {
                warn = !failureLogged;
                failureLogged = true;
            }
        }
        if (done) {
            LOG.info("Finished auto-compaction at revision {}", target);
        } else if (warn) {
            // once per run of failures: a member without quorum would otherwise warn at every wake-up
            LOG.warn("Failed auto-compaction at revision {} ({}); retrying after {} ms until it succeeds", target,
                    cause.getMessage(), wakeIntervalMillis(running));
        } else {
            LOG.debug("Failed auto-compaction at revision {} ({})", target, cause.getMessage());
        }
    }
}
