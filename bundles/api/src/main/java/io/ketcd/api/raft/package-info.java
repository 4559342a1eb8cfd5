/**
 * The raft contract: what the server needs from a raft implementation, so that the
 * implementation is a swappable service (DESIGN.md, {@link io.ketcd.api.raft.RaftCore}).
 *
 * <p>The model follows etcd-io/raft (v3.5 era, synchronous storage writes): a {@link
 * io.ketcd.api.raft.RaftNode} is a pure state machine driven by one owner thread. Inputs are
 * method calls ({@code tick}, {@code step}, {@code propose}, ...); the only output is a {@link
 * io.ketcd.api.raft.Ready}, which the owner persists, sends and applies before calling {@code
 * advance}. Messages and persistent records are ketcd's internal protobuf types of package
 * {@code io.ketcd.proto.raftpb}.
 *
 * <p>The node reads its durable state through {@link io.ketcd.api.raft.RaftStorage}, which is
 * read-only from raft's side: the owner writes to it while handling a {@code Ready}. {@link
 * io.ketcd.api.raft.MemoryStorage} is the in-memory one the server's driver keeps its log in (as
 * etcd's server does) and raft's tests run on; it is here, not in the raft bundle, so that the
 * server imports only this package and a new raft bundle does not refresh it. {@link
 * io.ketcd.api.raft.ConfiguredStorage} is a log with the configuration applied so far, which a
 * node that replaces a running one starts from.
 */
@Export
@Version("0.3.0")
package io.ketcd.api.raft;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
