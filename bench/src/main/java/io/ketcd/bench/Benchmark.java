package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCalls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar ketcd-bench.jar [flags] put|range [key]}: see {@link Options#USAGE}. Prints a
 * line for people and then one line of JSON; exits 1 when any measured request failed, 2 on bad
 * flags.
 *
 * <p>{@code java -jar ketcd-bench.jar --batch FILE [flags]} runs one workload per line of FILE
 * (its flags appended to the command line's; blank lines and {@code #} comments skipped), in
 * order, in this one JVM, so the generator's JIT warms up once and not per workload; two lines
 * per workload.
 */
public final class Benchmark {
    /** Held so the level sticks: grpc's INFO lines would mix with the result lines. */
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    private Benchmark() {
    }

    public static void main(String[] args) throws InterruptedException, IOException {
        GRPC_LOG.setLevel(Level.WARNING);
        List<Options> runs;
        try {
            runs = parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        long errors = 0;
        for (Options o : runs) {
            Result result;
            try {
                result = run(o);
            } catch (RuntimeException e) {
                // one workload's failure (a refused call, a server gone) is its result; the batch goes on
                result = new Result.Failed(o.workload().label(), String.valueOf(e));
            }
            System.out.println(result.human() + tlsNote(o));
            System.out.println(result.json());
            errors += result.errorCount();
        }
        System.exit(errors == 0 ? 0 : 1);
    }

    /** The workloads a command line asks for: itself, or with {@code --batch FILE} one per line of FILE. */
    static List<Options> parse(List<String> args) throws IOException {
        int batch = args.indexOf("--batch");
        if (batch < 0) {
            return List.of(Options.parse(args.toArray(String[]::new)));
        }
        if (batch + 1 == args.size()) {
            throw new IllegalArgumentException("--batch needs a file");
        }
        List<String> common = new ArrayList<>(args);
        Path file = Path.of(common.remove(batch + 1));
        common.remove(batch);
        List<Options> runs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            List<String> lineArgs = new ArrayList<>(common);
            lineArgs.addAll(List.of(trimmed.split("\\s+")));
            runs.add(Options.parse(lineArgs.toArray(String[]::new)));
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no workload in " + file);
        }
        return runs;
    }

    static Result run(Options o) throws InterruptedException {
        List<ManagedChannel> channels = new ArrayList<>();
        SslContext ssl = o.endpoints().stream().anyMatch(o::usesTls) ? sslContext(o.tls()) : null;
        for (int i = 0; i < o.conns(); i++) {
            channels.add(channel(o, o.endpoints().get(i % o.endpoints().size()), ssl));
        }
        if (o.workload() == Options.Workload.WATCH_LATENCY) {
            // the writer's own connection, to the first endpoint, as etcd's benchmark gives its put client one
            channels.add(channel(o, o.endpoints().get(0), ssl));
        }
        try {
            return switch (o.workload()) {
                case PUT, RANGE -> runKv(o, channels);
                case WATCH_LATENCY -> WatchLoad.run(o, channels.subList(0, o.conns()), channels.get(o.conns()));
                case WATCH_FANOUT -> WatchLoad.run(o, channels, null);
                case WATCH_MEMORY -> WatchMemory.run(o, channels);
                case LEASE_KEEPALIVE -> LeaseKeepAlive.run(o, channels);
                case LOCK -> LockLoad.run(o, channels);
            };
        } finally {
            for (ManagedChannel c : channels) {
                c.shutdownNow();
            }
            for (ManagedChannel c : channels) {
                c.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static ManagedChannel channel(Options o, Options.Endpoint e, SslContext ssl) {
        AuthToken token = new AuthToken();
        // direct executor: completions run on the transport thread and only start the next call
        ManagedChannel channel = o.usesTls(e)
                ? NettyChannelBuilder.forAddress(e.host(), e.port())
                        .sslContext(ssl)
                        .negotiationType(NegotiationType.TLS)
                        .directExecutor()
                        .intercept(token)
                        .build()
                : Grpc.newChannelBuilderForAddress(e.host(), e.port(), InsecureChannelCredentials.create())
                        .directExecutor()
                        .intercept(token)
                        .build();
        if (o.user() != null) {
            token.authenticate(channel, o.user());
        }
        return channel;
    }

    /** The put and range workloads: closed-loop unary calls. */
    private static Report runKv(Options o, List<ManagedChannel> channels) throws InterruptedException {
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
        double server = serverCpu(o);
        LoadRunner.Phase phase = LoadRunner.run(channels, o.clients(), o.total(), o.duration(), sender,
                o.timeout());
        Report.Cpu cpu = new Report.Cpu(CpuTime.self() - client, serverCpu(o) - server);
        return Report.of(label, o.conns(), o.clients(), phase, cpu);
    }

    /**
     * The client side of TLS from etcd benchmark's flags: the servers verified against {@code --cacert} (or the JDK's
     * trust store without it), the client's own certificate from {@code --cert}/{@code --key}. grpc-netty-shaded picks
     * its bundled BoringSSL (netty-tcnative) when it loads, else the JDK's TLS; {@link #tlsNote} says which.
     */
    static SslContext sslContext(Options.Tls tls) {
        SslContextBuilder b = GrpcSslContexts.forClient();
        if (tls.caFile() != null) {
            b.trustManager(tls.caFile().toFile());
        }
        if (tls.certFile() != null) {
            b.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
        }
        try {
            return b.build();
        } catch (javax.net.ssl.SSLException e) {
            throw new UncheckedIOException("TLS client setup from --cacert/--cert/--key failed: " + e.getMessage(), e);
        }
    }

    /** Appended to the line for people: whether (some) connections used TLS, and whose implementation. */
    static String tlsNote(Options o) {
        if (o.endpoints().stream().noneMatch(o::usesTls)) {
            return "";
        }
        // GrpcSslContexts' own choice: OpenSSL whenever netty-tcnative loads
        return "; TLS (client: " + (OpenSsl.isAvailable() ? "netty-tcnative BoringSSL" : "JDK") + ")";
    }

    /** The servers' CPU seconds so far, summed, or NaN when no server process was named. */
    static double serverCpu(Options o) {
        return o.serverPids().isEmpty() ? Double.NaN
                : o.serverPids().stream().mapToDouble(CpuTime::ofProcess).sum();
    }
}
