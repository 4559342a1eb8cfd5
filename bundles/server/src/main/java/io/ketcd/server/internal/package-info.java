/**
 * How one member runs, behind {@link io.ketcd.server.KetcdServer}: private to the bundle, so it
 * can be reshaped without touching the gRPC, HTTP and shell bundles, which call the service
 * facets of {@code io.ketcd.api.service}.
 *
 * <p>The shape is etcd's {@code etcdserver}, split by collaborator. {@link
 * io.ketcd.server.internal.ServerCore} only wires the parts and owns their threads and lifecycle
 * (start, close, a fatal error); each part gets what it needs through its constructor and none
 * reaches back into the whole. {@link io.ketcd.server.internal.DataDirectory} opens {@code
 * member/wal}, {@code member/snap} and the backend and says who the member is: recovered,
 * joining an existing cluster, or bootstrapped ({@link io.ketcd.server.internal.Bootstrap}); it
 * also stores and installs backends received with a snapshot. Two single-threaded loops are
 * joined by a queue. {@link io.ketcd.server.internal.RaftLoop} (etcd's {@code raftNode}) is the
 * only thread that touches the raft node, which it gets from the {@code RaftCore} service and
 * knows only through {@code io.ketcd.api.raft}: it keeps the log in a {@code MemoryStorage}
 * filled from the WAL, persists each {@code Ready} with one fsync, sends, and hands committed
 * entries on. {@link io.ketcd.server.internal.ApplyLoop} applies them in log order to the state in
 * {@link io.ketcd.server.internal.CurrentState} (the backend, the key-value store and the {@link
 * io.ketcd.server.internal.Membership}), as etcd's {@code apply} package does: {@link
 * io.ketcd.server.internal.RequestApplier} hands each request to the applier of its family
 * ({@link io.ketcd.server.internal.KvApplier}, {@link io.ketcd.server.internal.LeaseApplier},
 * {@link io.ketcd.server.internal.MembershipApplier}; auth and alarms add theirs), and the loop completes the request's future in {@link
 * io.ketcd.server.internal.Waiters}. {@link io.ketcd.server.internal.Proposals} puts requests into
 * the log, {@link io.ketcd.server.internal.Reads} serves reads from the local store (linearizable
 * ones wait on {@link io.ketcd.server.internal.AppliedIndex}), {@link
 * io.ketcd.server.internal.PeerLink} holds the peer transport, its swaps and the receiver the
 * transport calls, and {@link io.ketcd.server.internal.AttributesPublisher} publishes the
 * member's name and client URLs. Leases are the lessor's ({@code io.ketcd.server.lease}), kept in
 * the applied state; {@link io.ketcd.server.internal.LessorLoop} does the leader's part (revoking
 * expired leases and checkpointing remaining TTLs through the log) on the member's lease thread,
 * and {@link io.ketcd.server.internal.LeaseRequests} answers keep-alives and time-to-live questions
 * on the leader or forwards them to it. Other threads reach the node only through the raft loop's
 * queue, never by locking it.
 *
 * <p>The small classes around the loops keep etcd's rules in one place each: member and cluster
 * ids ({@link io.ketcd.server.internal.MemberIds}), request ids ({@link
 * io.ketcd.server.internal.RequestIds}), the {@code initial-cluster} flag ({@link
 * io.ketcd.server.internal.InitialCluster}), membership changes and their quorum check ({@link
 * io.ketcd.server.internal.MemberChanges}, over the narrow {@link
 * io.ketcd.server.internal.MemberChanges.Cluster} that {@link
 * io.ketcd.server.internal.LocalCluster} implements), and what a message from a peer must be
 * before raft may step it ({@link io.ketcd.server.internal.PeerMessageCheck}).
 *
 * <p>{@link io.ketcd.server.internal.EtcdServerComponent} is the bundle's one DS component: it
 * turns the {@code io.ketcd.server} configuration into a {@link io.ketcd.server.ServerConfig},
 * starts a member with it and publishes it; the plain classes here have no OSGi import, so the
 * embedded launcher runs the same code without a framework.
 */
package io.ketcd.server.internal;
