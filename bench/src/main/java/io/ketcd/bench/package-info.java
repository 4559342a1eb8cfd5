/**
 * A load generator for etcd's v3 KV, Watch and Lease APIs, modelled on etcd's {@code
 * tools/benchmark}: closed-loop clients (one request in flight each) spread over a number of gRPC
 * connections, or an open-loop writer at a fixed rate; watch streams whose watchers time every
 * event from its put's send; keep-alive streams; a warmup phase, then a measured phase reported as
 * throughput and exact latency percentiles (or, for watch memory, the server's resident memory per
 * stream and per watcher). It speaks to any etcd v3 server: ketcd, or etcd itself for the
 * side-by-side comparison in {@code bench/compare.sh}.
 *
 * <p>The calls are plain unary and bidirectional gRPC calls built from
 * {@link io.grpc.MethodDescriptor}s over ketcd's wire-compatible etcd messages, so the generator
 * does not depend on how the server bundle generates its service stubs.
 */
package io.ketcd.bench;
