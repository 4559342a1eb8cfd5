/**
 * ketcd's raft core: {@link io.ketcd.raft.RawNode}, a pure and deterministic raft state
 * machine implementing {@link io.ketcd.api.raft.RaftNode}. Its tests and simulations run it over
 * {@link io.ketcd.api.raft.MemoryStorage}, which lives in the contract package because the
 * server keeps its raft log in one too and must not depend on this bundle.
 *
 * <p>No threads, clock, sockets, files, OSGi or static mutable state: time is {@code tick()},
 * randomness is the configured generator, output is {@code Ready}. The internals (Raft with
 * its Leader/Candidate/Follower step functions, RaftLog, UnstableLog, Progress, Inflights,
 * ProgressTracker, ReadOnly) are package-private. See {@code design.md} in the bundle.
 */
@Export
@Version("0.1.0")
package io.ketcd.raft;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
