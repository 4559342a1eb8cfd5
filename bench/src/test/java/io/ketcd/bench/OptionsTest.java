package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {
    @Test
    void defaultsFollowEtcdBenchmark() {
        Options o = Options.parse("put");

        assertThat(o.endpoints()).containsExactly(new Options.Endpoint("127.0.0.1", 2379));
        assertThat(o.conns()).isEqualTo(1);
        assertThat(o.clients()).isEqualTo(1);
        assertThat(o.total()).isEqualTo(10_000);
        assertThat(o.warmup()).isEqualTo(1_000);
        assertThat(o.keySize()).isEqualTo(8);
        assertThat(o.valSize()).isEqualTo(8);
        assertThat(o.keySpaceSize()).isEqualTo(1);
        assertThat(o.serializable()).isFalse();
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void flagsInBothFormsAndAroundTheWorkload() {
        Options o = Options.parse("--endpoints=http://127.0.0.1:1,localhost:2", "--conns", "4", "range", "k",
                "--clients=16", "--consistency", "s", "--total", "500", "--warmup=0", "--timeout", "1.5");

        assertThat(o.workload()).isEqualTo(Options.Workload.RANGE);
        assertThat(o.rangeKey()).isEqualTo("k");
        assertThat(o.endpoints()).isEqualTo(List.of(new Options.Endpoint("127.0.0.1", 1, Options.Scheme.HTTP),
                new Options.Endpoint("localhost", 2)));
        assertThat(o.conns()).isEqualTo(4);
        assertThat(o.clients()).isEqualTo(16);
        assertThat(o.serializable()).isTrue();
        assertThat(o.total()).isEqualTo(500);
        assertThat(o.warmup()).isZero();
        assertThat(o.timeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void noTlsWithoutHttpsOrTlsFlags() {
        Options o = Options.parse("--endpoints", "h:1,http://h:2", "put");

        assertThat(o.tls()).isEqualTo(new Options.Tls(null, null, null));
        assertThat(o.endpoints()).noneMatch(o::usesTls);
    }

    @Test
    void tlsFlagsAsEtcdBenchmark(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Path cert = Files.writeString(dir.resolve("client.pem"), "cert");
        Path key = Files.writeString(dir.resolve("client-key.pem"), "key");

        Options o = Options.parse("--endpoints", "https://127.0.0.1:1,127.0.0.1:2,http://127.0.0.1:3",
                "--cacert", ca.toString(), "--cert=" + cert, "--key", key.toString(), "put");

        assertThat(o.tls()).isEqualTo(new Options.Tls(ca, cert, key));
        assertThat(o.endpoints()).extracting(Options.Endpoint::scheme)
                .containsExactly(Options.Scheme.HTTPS, Options.Scheme.NONE, Options.Scheme.HTTP);
        assertThat(o.endpoints()).extracting(Options.Endpoint::port).containsExactly(1, 2, 3);
        // clientv3 3.4: host:port takes the configured TLS, http:// stays plaintext
        assertThat(o.endpoints()).extracting(o::usesTls).containsExactly(true, true, false);
        assertThat(o.endpoints().get(0)).hasToString("https://127.0.0.1:1");
    }

    @Test
    void httpsEndpointsUseTlsWithoutFlagsAndCacertAloneMakesHostPortTls(@TempDir Path dir) throws IOException {
        Options https = Options.parse("--endpoints", "https://h:1", "put");
        assertThat(https.tls().configured()).isFalse();
        assertThat(https.usesTls(https.endpoints().get(0))).isTrue();

        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Options cacert = Options.parse("put", "--cacert", ca.toString(), "--endpoints", "h:1");
        assertThat(cacert.tls()).isEqualTo(new Options.Tls(ca, null, null));
        assertThat(cacert.usesTls(cacert.endpoints().get(0))).isTrue();
    }

    @Test
    void badTlsFlagsAreRefused(@TempDir Path dir) throws IOException {
        Path cert = Files.writeString(dir.resolve("client.pem"), "cert");

        assertThatThrownBy(() -> Options.parse("put", "--cert", cert.toString()))
                .hasMessageContaining("--cert and --key must both be given");
        assertThatThrownBy(() -> Options.parse("put", "--key", cert.toString()))
                .hasMessageContaining("--cert and --key must both be given");
        assertThatThrownBy(() -> Options.parse("put", "--cacert", dir.resolve("missing.pem").toString()))
                .hasMessageContaining("--cacert: cannot read file");
        assertThatThrownBy(() -> Options.parse("put", "--cacert", dir.toString()))
                .hasMessageContaining("cannot read file");
    }

    @Test
    void serverPidsAreOneOrACommaSeparatedList() {
        assertThat(Options.parse("put").serverPids()).isEmpty();
        assertThat(Options.parse("put", "--server-pid", "42").serverPids()).containsExactly(42L);
        assertThat(Options.parse("put", "--server-pid=42,43,44").serverPids()).containsExactly(42L, 43L, 44L);
        assertThatThrownBy(() -> Options.parse("put", "--server-pid", "42,0"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchFileGivesOneWorkloadPerLineWithTheCommonFlags(@TempDir Path dir) throws IOException {
        Path batch = Files.writeString(dir.resolve("batch"), """
                # put first
                --conns 4 --clients 16 put

                range  --consistency s
                """);

        List<Options> runs = Benchmark.parse(List.of("--endpoints", "h:1", "--batch", batch.toString(), "--total", "9"));

        assertThat(runs).extracting(Options::workload).containsExactly(Options.Workload.PUT, Options.Workload.RANGE);
        assertThat(runs).extracting(Options::total).containsExactly(9, 9);
        assertThat(runs).extracting(Options::clients).containsExactly(16, 1);
        assertThat(runs).extracting(Options::serializable).containsExactly(false, true);
        assertThat(runs.get(1).endpoints()).containsExactly(new Options.Endpoint("h", 1));
        assertThatThrownBy(() -> Benchmark.parse(List.of("--batch"))).hasMessageContaining("needs a file");
        Path empty = Files.writeString(dir.resolve("empty"), "# nothing\n");
        assertThatThrownBy(() -> Benchmark.parse(List.of("--batch", empty.toString()))).hasMessageContaining("no workload");
    }

    @Test
    void watchAndLeaseWorkloadsHaveDefaultsOfTheirOwn() {
        Options latency = Options.parse("watch-latency");
        assertThat(latency.workload().label()).isEqualTo("watch-latency");
        // etcd benchmark's watch-latency: 10 streams of 10 watchers, 1000 puts at 100/s
        assertThat(latency.streaming().streams()).isEqualTo(10);
        assertThat(latency.streaming().watchersPerStream()).isEqualTo(10);
        assertThat(latency.streaming().watchers()).isEqualTo(100);
        assertThat(latency.streaming().putTotal()).isEqualTo(1_000);
        assertThat(latency.streaming().putRate()).isEqualTo(100);
        assertThat(latency.warmup()).isEqualTo(100);

        Options fanout = Options.parse("watch-fanout");
        assertThat(fanout.streaming().watchers()).isEqualTo(1_000);
        assertThat(fanout.streaming().streams()).isEqualTo(100);
        assertThat(fanout.clients()).isEqualTo(16);
        assertThat(Options.parse("watch-fanout", "--clients", "3").clients()).isEqualTo(3);

        Options memory = Options.parse("watch-memory");
        assertThat(memory.streaming().watchers()).isEqualTo(100_000);
        assertThat(memory.streaming().streams()).isEqualTo(1_000);
        assertThat(memory.streaming().rssSamples()).isEqualTo(5);
        assertThat(memory.streaming().rssInterval()).isEqualTo(Duration.ofSeconds(1));

        Options lease = Options.parse("lease-keepalive", "--clients", "16");
        assertThat(lease.workload()).isEqualTo(Options.Workload.LEASE_KEEPALIVE);
        assertThat(lease.streaming().leases()).isEqualTo(16);
        assertThat(lease.streaming().leaseTtlSeconds()).isEqualTo(100);
        assertThat(Options.parse("lease-keepalive", "--leases", "2", "--lease-ttl", "5").streaming())
                .extracting(Options.Streaming::leases, Options.Streaming::leaseTtlSeconds).containsExactly(2, 5L);
        assertThat(Options.parse("put").clients()).isEqualTo(1);

        Options lock = Options.parse("lock", "--clients", "16");
        assertThat(lock.workload()).isEqualTo(Options.Workload.LOCK);
        assertThat(lock.streaming().locks()).isEqualTo(1);
        assertThat(Options.parse("lock", "--locks", "16").streaming().locks()).isEqualTo(16);
    }

    @Test
    void watchFlagsAsEtcdBenchmark() {
        Options o = Options.parse("watch-latency", "--streams", "4", "--watchers-per-stream=25", "--put-total", "50",
                "--put-rate", "1000", "--rss-interval", "0.5");

        assertThat(o.streaming().watchers()).isEqualTo(100);
        assertThat(o.streaming().putTotal()).isEqualTo(50);
        assertThat(o.streaming().putRate()).isEqualTo(1_000);
        assertThat(o.streaming().rssInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.warmup()).isEqualTo(5);
    }

    @Test
    void watchWorkloadsNeedRoomForTheirStampsAndKeys() {
        assertThatThrownBy(() -> Options.parse("watch-latency", "--val-size", "7")).hasMessageContaining("at least 8");
        assertThat(Options.parse("watch-memory", "--val-size", "0").valSize()).isZero();
        // 100,000 distinct keys need a tag and a 3-byte varint
        assertThatThrownBy(() -> Options.parse("watch-memory", "--key-size", "3")).hasMessageContaining("too small");
        assertThat(Options.parse("watch-memory", "--key-size", "4").keySize()).isEqualTo(4);
        assertThatThrownBy(() -> Options.parse("watch-fanout", "--streams", "0")).hasMessageContaining("positive");
    }

    @Test
    void badFlagsAreRefused() {
        assertThatThrownBy(() -> Options.parse()).hasMessageContaining("workload");
        assertThatThrownBy(() -> Options.parse("get")).hasMessageContaining("unknown workload get");
        assertThatThrownBy(() -> Options.parse("put", "--clients", "0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Options.parse("range", "--consistency", "x")).hasMessageContaining("l or s");
        assertThatThrownBy(() -> Options.parse("put", "--nope", "1")).hasMessageContaining("unknown flag --nope");
        assertThatThrownBy(() -> Options.parse("put", "--total")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse("--endpoints", "unix://h:1", "put")).hasMessageContaining("http or https");
        // key number 199 needs a 2-byte varint
        assertThatThrownBy(() -> Options.parse("put", "--key-size", "1", "--key-space-size", "200"))
                .hasMessageContaining("too small");
    }
}
