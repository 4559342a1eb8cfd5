package io.ketcd.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.raft.RawNode;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * The deterministic cluster simulation (issue 3, "Tests that must exist"): thousands of seeds over 3- and
 * 5-node groups with drops, duplicates, reordering, partitions, crashes and restarts from durable state,
 * snapshots, reads and (optionally) membership changes; {@link SafetyChecker}'s invariants after every step
 * and liveness after healing.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dsim.seed=N}: run only seed N (both sizes, with and without membership changes), printing
 *       its summary: a failure report says which to replay.</li>
 *   <li>{@code -Dsim.seeds=N}: seeds per size and mode (default {@value #DEFAULT_SEEDS}).</li>
 *   <li>{@code -Dsim.steps=N}: steps per run (default {@value #DEFAULT_STEPS}).</li>
 *   <li>{@code -Dsim.longSeeds=N}: seeds per size of the 5,000-step runs (default 30).</li>
 *   <li>{@code -Dsim.swaps=false}: no raft-node swaps (on by default); a seed then replays the run it had
 *       before swaps existed, which tells whether a failure needs one.</li>
 * </ul>
 *
 * Seeds run on all cores: each run is single-threaded and owns all its state, so parallelism changes
 * nothing in any run.
 */
class RaftSimTest {
    static final int DEFAULT_SEEDS = 500;
    static final int DEFAULT_STEPS = 500;

    static final RaftCore CORE = RawNode::new;
    static final Supplier<SimStorage> STORAGE = MemoryStorageAdapter::new;

    private static SimCluster cluster(long seed, int nodes, int steps, boolean confChanges, boolean keepTrace) {
        boolean swaps = Boolean.parseBoolean(System.getProperty("sim.swaps", "true"));
        return new SimCluster(seed, nodes, steps, confChanges, CORE, STORAGE, keepTrace,
                swaps ? SimCluster.APPLIED_STATE : null);
    }

    private static long steps() {
        return Long.getLong("sim.steps", DEFAULT_STEPS);
    }

    private static void runSeeds(int nodes, boolean confChanges) {
        long base = (nodes * 1_000_003L) + (confChanges ? 500_000_000_000L : 0);
        runSeeds(nodes, confChanges, base, Integer.getInteger("sim.seeds", DEFAULT_SEEDS), (int) steps());
    }

    /** Runs seeds [base, base + seeds) in parallel; rethrows the first failure. */
    private static void runSeeds(int nodes, boolean confChanges, long base, int seeds, int steps) {
        Long only = Long.getLong("sim.seed");
        if (only != null) {
            SimCluster c = cluster(only, nodes, Integer.getInteger("sim.steps", steps), confChanges, false);
            c.run();
            System.out.println("[sim] " + nodes + " nodes, confChanges=" + confChanges + ": " + c.summary());
            return;
        }
        long t0 = System.nanoTime();
        AtomicLong commits = new AtomicLong();
        AtomicLong snaps = new AtomicLong();
        AtomicLong confs = new AtomicLong();
        AtomicLong readsChecked = new AtomicLong();
        AtomicLong swaps = new AtomicLong();
        AtomicLong leaderSwaps = new AtomicLong();
        AtomicLong readsResent = new AtomicLong();
        AtomicLong cpuNanos = new AtomicLong();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<AssertionError> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        LongStream.range(0, seeds).parallel().forEach(i -> {
            long seed = base + i;
            long cpu0 = threads.getCurrentThreadCpuTime();
            try {
                SimCluster c = cluster(seed, nodes, steps, confChanges, false);
                c.run();
                cpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
                commits.addAndGet(c.committed());
                snaps.addAndGet(c.snapshotsInstalled());
                confs.addAndGet(c.confChangesApplied());
                readsChecked.addAndGet(c.readsChecked());
                swaps.addAndGet(c.swaps());
                leaderSwaps.addAndGet(c.leaderSwaps());
                readsResent.addAndGet(c.readsResent());
            } catch (AssertionError e) {
                failures.add(e);
            } catch (RuntimeException e) {
                failures.add(new AssertionError("seed " + seed + " threw (replay: -Dsim.seed=" + seed + ")", e));
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("[sim] %d nodes, confChanges=%s: %d seeds x %d steps in %d ms (%d ms CPU); %d failed; "
                        + "avg commit %.1f, snapshots installed %d, conf changes applied %d, reads checked %d, "
                        + "raft nodes swapped %d (%d leaders; %d reads asked again)%n",
                nodes, confChanges, seeds, steps, ms, cpuNanos.get() / 1_000_000, failures.size(),
                commits.get() / (double) seeds, snaps.get(), confs.get(), readsChecked.get(), swaps.get(),
                leaderSwaps.get(), readsResent.get());
        for (AssertionError f : failures) {
            String[] lines = String.valueOf(f.getMessage()).split("\n", 3);
            System.out.println("[sim]   FAILED " + lines[0] + (lines.length > 1 ? " | " + lines[1].trim() : ""));
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    @Test
    void threeNodes() {
        runSeeds(3, false);
    }

    @Test
    void fiveNodes() {
        runSeeds(5, false);
    }

    @Test
    void threeNodesWithMembershipChanges() {
        runSeeds(3, true);
    }

    @Test
    void fiveNodesWithMembershipChanges() {
        runSeeds(5, true);
    }

    /** Few seeds, long histories: many elections, snapshots, compactions (and membership changes) per run. */
    @Test
    void longRuns() {
        int seeds = Integer.getInteger("sim.longSeeds", 30);
        runSeeds(3, false, 800_000_000_000L, seeds, 5_000);
        runSeeds(5, false, 810_000_000_000L, seeds, 5_000);
        runSeeds(3, true, 900_000_000_000L, seeds, 5_000);
        runSeeds(5, true, 910_000_000_000L, seeds, 5_000);
    }

    /** The same seed gives the same trace, event for event. */
    @Test
    void aSeedReplaysExactly() {
        for (long seed : new long[] {1, 42, 7_777}) {
            SimCluster a = cluster(seed, 5, 300, true, true);
            SimCluster b = cluster(seed, 5, 300, true, true);
            a.run();
            b.run();
            List<String> ta = a.trace.all();
            List<String> tb = b.trace.all();
            for (int i = 0; i < Math.min(ta.size(), tb.size()); i++) {
                assertEquals(ta.get(i), tb.get(i), "seed " + seed + ": the runs diverge at event " + i);
            }
            assertEquals(ta.size(), tb.size(), "seed " + seed + ": event count");
            assertEquals(a.trace.fingerprint(), b.trace.fingerprint());
            assertTrue(a.trace.count() > 300, "a run records its events");
        }
    }
}
