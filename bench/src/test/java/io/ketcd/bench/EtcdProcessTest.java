package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch and lease workloads against a real etcd (the one on the PATH, 3.4.23 on the build
 * machine; skipped where there is none), started as compare.sh starts it: one member, a fresh data
 * directory, free ports of 127.0.0.1. Small and short: it checks that the generator speaks etcd's
 * protocol as etcd does, not how fast etcd is.
 */
class EtcdProcessTest {
    @TempDir
    static Path dir;
    private static Process etcd;
    private static String endpoint;

    @BeforeAll
    static void startEtcd() throws IOException {
        // .ci/run installs Debian's etcd-server; without it this test fails rather than proving nothing
        assertThat(onPath("etcd")).as("etcd 3.4 on the PATH (apt-get install etcd-server)").isTrue();
        int[] ports = FreePorts.allocate(2);
        String client = "http://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[1];
        etcd = new ProcessBuilder("etcd", "--name", "bench", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        endpoint = "127.0.0.1:" + ports[0];
        ManagedChannel channel = Grpc.newChannelBuilder(endpoint, InsecureChannelCredentials.create()).build();
        try {
            Await.until("etcd to answer a range", Duration.ofSeconds(60), () -> answers(channel), EtcdProcessTest::log);
        } finally {
            channel.shutdownNow();
        }
    }

    @AfterAll
    static void stopEtcd() throws InterruptedException {
        if (etcd != null) {
            etcd.destroy();
            if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
                etcd.destroyForcibly().waitFor();
            }
        }
    }

    private static boolean onPath(String program) {
        return System.getenv("PATH") != null && java.util.Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    private static boolean answers(ManagedChannel channel) {
        try {
            ClientCalls.blockingUnaryCall(channel, KvCalls.RANGE, CallOptions.DEFAULT.withDeadlineAfter(1,
                    TimeUnit.SECONDS), RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("x"))
                    .build());
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private static String log() {
        try {
            return Files.readString(dir.resolve("etcd.log"));
        } catch (IOException e) {
            return "no etcd log: " + e;
        }
    }

    private static Result run(String... args) throws InterruptedException {
        String[] all = new String[args.length + 4];
        all[0] = "--endpoints";
        all[1] = endpoint;
        all[2] = "--server-pid";
        all[3] = Long.toString(etcd.pid());
        System.arraycopy(args, 0, all, 4, args.length);
        return Benchmark.run(Options.parse(all));
    }

    @Test
    void watchLatency() throws Exception {
        WatchReport r = (WatchReport) run("--conns", "2", "watch-latency", "--streams", "3", "--watchers-per-stream",
                "5", "--put-total", "100", "--put-rate", "500", "--warmup", "10", "--val-size", "64");

        assertThat(r.puts().ok()).isEqualTo(100);
        assertThat(r.events()).isEqualTo(1_500);
        assertThat(r.errorCount()).isZero();
        assertThat(r.cpuSeconds().server()).isNotNaN();
    }

    @Test
    void watchFanout() throws Exception {
        WatchReport r = (WatchReport) run("--conns", "2", "--clients", "4", "watch-fanout", "--streams", "4",
                "--watchers-per-stream", "5", "--total", "200", "--warmup", "20", "--key-space-size", "100",
                "--sequential-keys");

        assertThat(r.puts().ok()).isEqualTo(200);
        assertThat(r.events()).isEqualTo(200 * 20);
        assertThat(r.errorCount()).isZero();
    }

    @Test
    void watchMemory() throws Exception {
        MemoryReport r = (MemoryReport) run("--conns", "2", "watch-memory", "--streams", "20",
                "--watchers-per-stream", "50", "--rss-samples", "1");

        assertThat(r.errorCount()).isZero();
        assertThat(r.watchers()).isEqualTo(1_000);
        // how much a thousand watchers take is for a real run: Go's heap grows in steps, and may have had room
        assertThat(r.rssBefore()).isPositive();
        assertThat(r.rssAfter()).isPositive();
    }

    @Test
    void leaseKeepAlive() throws Exception {
        Report r = (Report) run("--conns", "2", "--clients", "4", "lease-keepalive", "--total", "400", "--warmup",
                "40");

        assertThat(r.ok()).isEqualTo(400);
        assertThat(r.errorCount()).isZero();
    }
}
