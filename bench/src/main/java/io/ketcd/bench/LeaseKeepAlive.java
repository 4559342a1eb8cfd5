package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lease-keepalive} workload: {@code --leases} leases granted first, then {@code --clients}
 * keep-alive clients, client {@code i} on connection {@code i mod conns} with a stream of its own
 * refreshing lease {@code i mod leases}, one request in flight each ({@link KeepAliveStream} under
 * {@link LoadRunner}), for a warmup and a measured phase; the leases are revoked at the end.
 *
 * <p>A server that does not serve leases refuses the first grant (UNIMPLEMENTED): the workload
 * then reports that and sends nothing more, so a batch of workloads goes on.
 */
final class LeaseKeepAlive {
    private LeaseKeepAlive() {
    }

    static Result run(Options o, List<? extends Channel> channels) throws InterruptedException {
        Options.Streaming st = o.streaming();
        List<Long> leases = new ArrayList<>();
        try {
            for (int i = 0; i < st.leases(); i++) {
                leases.add(ClientCalls.blockingUnaryCall(channels.get(i % channels.size()), LeaseCalls.GRANT,
                        unary(o), LeaseGrantRequest.newBuilder().setTTL(st.leaseTtlSeconds()).build()).getID());
            }
        } catch (StatusRuntimeException e) {
            return new Result.Failed(o.workload().label(), "lease grant " + (leases.size() + 1) + " of " + st.leases()
                    + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
        }
        try {
            if (o.warmup() > 0) {
                LoadRunner.Phase warmup = phase(o, channels, leases, o.warmup(), o.warmupDuration());
                if (!warmup.errors().isEmpty()) {
                    System.err.println("warmup errors: " + warmup.errors());
                }
            }
            double client = CpuTime.self();
            double server = Benchmark.serverCpu(o);
            LoadRunner.Phase phase = phase(o, channels, leases, o.total(), o.duration());
            Report.Cpu cpu = new Report.Cpu(CpuTime.self() - client, Benchmark.serverCpu(o) - server);
            return Report.of(o.workload().label(), o.conns(), o.clients(), phase, cpu);
        } finally {
            revoke(o, channels, leases);
        }
    }

    /** A phase with streams of its own, all closed when it ends. */
    private static LoadRunner.Phase phase(Options o, List<? extends Channel> channels, List<Long> leases, int total,
            Duration duration) throws InterruptedException {
        // a stream lives as long as its phase may, plus one request's timeout; unbounded phases rely on answers
        CallOptions streamOptions = CallOptions.DEFAULT.withWaitForReady();
        if (!duration.isZero()) {
            streamOptions = streamOptions.withDeadlineAfter(duration.plus(o.timeout()).toNanos(), TimeUnit.NANOSECONDS);
        }
        List<KeepAliveStream> streams = new ArrayList<>();
        for (int i = 0; i < o.clients(); i++) {
            streams.add(new KeepAliveStream(leases.get(i % leases.size()), streamOptions));
        }
        try {
            return LoadRunner.run(channels, o.clients(), total, duration, streams::get, o.timeout());
        } finally {
            streams.forEach(KeepAliveStream::close);
        }
    }

    /** Best effort: leases left behind would only expire, after the TTL, during a later workload. */
    private static void revoke(Options o, List<? extends Channel> channels, List<Long> leases) {
        for (int i = 0; i < leases.size(); i++) {
            try {
                ClientCalls.blockingUnaryCall(channels.get(i % channels.size()), LeaseCalls.REVOKE, unary(o),
                        LeaseRevokeRequest.newBuilder().setID(leases.get(i)).build());
            } catch (StatusRuntimeException e) {
                System.err.println("lease-keepalive: revoking lease " + leases.get(i) + ": " + e.getStatus());
            }
        }
    }

    private static CallOptions unary(Options o) {
        return CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(o.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }
}
