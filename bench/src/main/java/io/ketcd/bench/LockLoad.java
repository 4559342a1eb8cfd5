package io.ketcd.bench;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lock} workload: a lease for each of {@code --clients} clients, then each client,
 * one request in flight, takes lock {@code bench-lock/<i mod --locks>} through etcd's Lock service
 * ({@code v3lockpb.Lock/Lock}) and releases it ({@code Lock/Unlock}); a request is the pair, so its
 * latency includes the wait for the clients ahead of it. The leases are revoked at the end.
 */
final class LockLoad {
    static final MethodDescriptor<LockRequest, LockResponse> LOCK = GrpcMethods.of("v3lockpb.Lock", "Lock",
            MethodDescriptor.MethodType.UNARY, LockRequest.getDefaultInstance(), LockResponse.getDefaultInstance());
    static final MethodDescriptor<UnlockRequest, UnlockResponse> UNLOCK = GrpcMethods.of("v3lockpb.Lock", "Unlock",
            MethodDescriptor.MethodType.UNARY, UnlockRequest.getDefaultInstance(), UnlockResponse.getDefaultInstance());

    private LockLoad() {
    }

    static Result run(Options o, List<? extends Channel> channels) throws InterruptedException {
        List<Long> leases = new ArrayList<>();
        try {
            for (int i = 0; i < o.clients(); i++) {
                leases.add(ClientCalls.blockingUnaryCall(channels.get(i % channels.size()), LeaseCalls.GRANT, unary(o),
                        LeaseGrantRequest.newBuilder().setTTL(60).build()).getID());
            }
        } catch (StatusRuntimeException e) {
            return new Result.Failed(o.workload().label(), "lease grant " + (leases.size() + 1) + ": "
                    + e.getStatus().getCode() + " " + e.getStatus().getDescription());
        }
        try {
            if (o.warmup() > 0) {
                LoadRunner.Phase warmup = LoadRunner.run(channels, o.clients(), o.warmup(), o.warmupDuration(),
                        client -> lockAndUnlock(o, leases.get(client), client), o.timeout());
                if (!warmup.errors().isEmpty()) {
                    System.err.println("warmup errors: " + warmup.errors());
                }
            }
            double client = CpuTime.self();
            double server = Benchmark.serverCpu(o);
            LoadRunner.Phase phase = LoadRunner.run(channels, o.clients(), o.total(), o.duration(),
                    c -> lockAndUnlock(o, leases.get(c), c), o.timeout());
            Report.Cpu cpu = new Report.Cpu(CpuTime.self() - client, Benchmark.serverCpu(o) - server);
            return Report.of(o.workload().label(), o.conns(), o.clients(), phase, cpu);
        } finally {
            for (int i = 0; i < leases.size(); i++) {
                try {
                    ClientCalls.blockingUnaryCall(channels.get(i % channels.size()), LeaseCalls.REVOKE, unary(o),
                            LeaseRevokeRequest.newBuilder().setID(leases.get(i)).build());
                } catch (StatusRuntimeException e) {
                    System.err.println("lock: revoking lease " + leases.get(i) + ": " + e.getStatus());
                }
            }
        }
    }

    /** Client {@code client}'s request: take its lock with {@code lease}, then release the key it got. */
    private static KvCalls.Sender lockAndUnlock(Options o, long lease, int client) {
        LockRequest lock = LockRequest.newBuilder()
                .setName(ByteString.copyFromUtf8("bench-lock/" + client % o.streaming().locks())).setLease(lease).build();
        return (channel, options, ticket) -> {
            ListenableFuture<LockResponse> held = ClientCalls.futureUnaryCall(channel.newCall(LOCK, options), lock);
            return Futures.transformAsync(held, h -> ClientCalls.futureUnaryCall(channel.newCall(UNLOCK, options),
                    UnlockRequest.newBuilder().setKey(h.getKey()).build()), MoreExecutors.directExecutor());
        };
    }

    private static CallOptions unary(Options o) {
        return CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(o.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }
}
