/**
 * The deterministic cluster simulation of the raft core (STYLE.md, "Deterministic simulation tests", item 4).
 *
 * <p>{@link io.ketcd.raft.sim.SimCluster} drives N {@code RawNode}s over {@code MemoryStorage} through a
 * {@link io.ketcd.raft.sim.SimNetwork} that drops, duplicates, delays, reorders and partitions, with crashes
 * that lose what was not persisted and restarts from what was ({@link io.ketcd.raft.sim.DurableLog}).
 * {@link io.ketcd.raft.sim.SafetyChecker} checks Raft's safety properties after every step; the run ends
 * by healing everything and requiring progress. Every choice comes from one seeded {@code Random}.
 *
 * <p>Running: {@code mvn test -Dtest=RaftSimTest} (500 seeds x 500 steps per size and mode);
 * {@code -Dsim.seeds=100000} for more; a failure prints the command that replays it, e.g.
 * {@code -Dtest='RaftSimTest#fiveNodesWithMembershipChanges' -Dsim.seed=500005000044}.
 * {@link io.ketcd.raft.sim.SimRegressionTest} keeps minimal reproductions of bugs it found.
 */
package io.ketcd.raft.sim;
