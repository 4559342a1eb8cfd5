package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar ketcd-bench.jar [flags] put|range [key]}: see {@link Options#USAGE}. Prints a
 * line for people and then one line of JSON (the last line of standard output); exits 1 when
 * any measured request failed, 2 on bad flags.
 */
public final class Benchmark {
    /** Held so the level sticks: grpc's INFO lines would mix with the result lines. */
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    private Benchmark() {
    }

    public static void main(String[] args) throws InterruptedException {
        GRPC_LOG.setLevel(Level.WARNING);
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        Report report = run(options);
        System.out.println(report.human());
        System.out.println(report.json());
        System.exit(report.errorCount() == 0 ? 0 : 1);
    }

    static Report run(Options o) throws InterruptedException {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < o.conns(); i++) {
            Options.Endpoint e = o.endpoints().get(i % o.endpoints().size());
            // direct executor: completions run on the transport thread and only start the next call
            channels.add(Grpc.newChannelBuilderForAddress(e.host(), e.port(), InsecureChannelCredentials.create())
                    .directExecutor()
                    .build());
        }
        try {
            if (o.workload() == Options.Workload.RANGE) {
                ClientCalls.blockingUnaryCall(channels.get(0), KvCalls.PUT, CallOptions.DEFAULT.withWaitForReady()
                        .withDeadlineAfter(o.timeout().toNanos(), TimeUnit.NANOSECONDS), KvCalls.rangeKeyPut(o));
            }
            String label = o.workload().label() + (o.workload() == Options.Workload.RANGE
                    ? (o.serializable() ? "-serializable" : "-linearizable") : "");
            KvCalls.Sender sender = KvCalls.sender(o);
            if (o.warmup() > 0) {
                LoadRunner.Phase warmup = LoadRunner.run(channels, o.clients(), o.warmup(), o.warmupDuration(), sender,
                        o.timeout());
                if (!warmup.errors().isEmpty()) {
                    System.err.println("warmup errors: " + warmup.errors());
                }
            }
            double client = CpuTime.self();
            double server = o.serverPid() == 0 ? Double.NaN : CpuTime.ofProcess(o.serverPid());
            LoadRunner.Phase phase = LoadRunner.run(channels, o.clients(), o.total(), o.duration(), sender,
                    o.timeout());
            Report.Cpu cpu = new Report.Cpu(CpuTime.self() - client,
                    o.serverPid() == 0 ? Double.NaN : CpuTime.ofProcess(o.serverPid()) - server);
            return Report.of(label, o.conns(), o.clients(), phase, cpu);
        } finally {
            for (ManagedChannel c : channels) {
                c.shutdownNow();
            }
            for (ManagedChannel c : channels) {
                c.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
