/**
 * Leases, as etcd's {@code lease} package keeps them: the {@link io.ketcd.server.lease.Lessor}
 * with its leases, their TTLs and attached keys, and, on the primary (the leader), their expiry
 * and checkpoints; the backend's {@code lease} bucket ({@link io.ketcd.server.lease.LeaseBucket}).
 * Plain classes driven by a clock they are given, so tests drive time; the server's apply loop,
 * lease thread and client requests use them (see {@code io.ketcd.server.internal}'s {@code
 * LeaseApplier}, {@code LessorLoop} and {@code LeaseRequests}). Private to the bundle.
 */
package io.ketcd.server.lease;
