package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** lease-keepalive and watch-memory against {@link FakeEtcd} over real connections. */
class LeaseAndMemoryTest {
    @Test
    void keepAlivesOnStreamsOfTheirOwnRefreshTheGrantedLeasesAndTheLeasesAreRevoked() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, false)) {
            Report r = (Report) Benchmark.run(Options.parse("--endpoints", "127.0.0.1:" + etcd.port(), "--conns", "2",
                    "--clients", "5", "lease-keepalive", "--leases", "3", "--total", "500", "--warmup", "50"));

            assertThat(r.workload()).isEqualTo("lease-keepalive");
            assertThat(r.ok()).isEqualTo(500);
            assertThat(r.errorCount()).isZero();
            assertThat(etcd.grants.get()).isEqualTo(3);
            assertThat(etcd.keepAlives.get()).isEqualTo(550);
            assertThat(etcd.revokes.get()).isEqualTo(3);
            assertThat(r.latencyMillis().p50()).isPositive();
        }
    }

    @Test
    void aServerWithoutLeasesFailsTheWorkloadAndNothingElse() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(false, false)) {
            Result r = Benchmark.run(Options.parse("--endpoints", "127.0.0.1:" + etcd.port(), "lease-keepalive",
                    "--total", "10"));

            assertThat(r).isInstanceOf(Result.Failed.class);
            assertThat(r.errorCount()).isEqualTo(1);
            assertThat(r.human()).startsWith("lease-keepalive: failed: lease grant 1 of 1: UNIMPLEMENTED");
            assertThat(r.json()).startsWith("{\"workload\":\"lease-keepalive\",\"ok\":0,\"errors\":1,\"failed\":\"");
        }
    }

    @Test
    void memoryCreatesStreamsThenTheirWatchersAndReadsTheServersMemory() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, false)) {
            // the "server" is this JVM: its resident memory is real, if not the fake's alone
            MemoryReport r = (MemoryReport) Benchmark.run(Options.parse("--endpoints", "127.0.0.1:" + etcd.port(),
                    "--conns", "2", "watch-memory", "--streams", "4", "--watchers-per-stream", "30",
                    "--rss-samples", "2", "--rss-interval", "0", "--server-pid",
                    Long.toString(ProcessHandle.current().pid())));

            assertThat(r.streams()).isEqualTo(4);
            assertThat(r.watchers()).isEqualTo(120);
            assertThat(r.errorCount()).isZero();
            assertThat(r.measured()).isTrue();
            assertThat(r.rssBefore()).isPositive();
            assertThat(r.rssStreams()).isPositive();
            assertThat(r.rssAfter()).isPositive();
            // warm-up watchers (4 streams of 10) and then the measured ones, each on a key of its own
            assertThat(etcd.created.get()).isEqualTo(40 + 120);
            assertThat(r.json()).startsWith("{\"workload\":\"watch-memory\",\"conns\":2,\"streams\":4,\"watchers\":120,")
                    .contains("\"bytes_per_watcher\":", "\"bytes_per_stream\":");
        }
    }

    @Test
    void memoryWithoutServerPidCountsButDoesNotMeasure() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, false)) {
            MemoryReport r = (MemoryReport) Benchmark.run(Options.parse("--endpoints", "127.0.0.1:" + etcd.port(),
                    "watch-memory", "--streams", "2", "--watchers-per-stream", "3"));

            assertThat(r.measured()).isFalse();
            assertThat(r.human()).contains("no --server-pid");
            assertThat(r.json()).contains("\"rss_before\":null", "\"bytes_per_watcher\":null");
        }
    }

    @Test
    void memoryArithmetic() {
        MemoryReport r = new MemoryReport(1, 10, 1_000, 1_000_000, 1_200_000, 1_596_000, 2.0, java.util.Map.of());

        assertThat(r.bytesPerWatcher()).isEqualTo(596.0);
        assertThat(r.bytesPerStream()).isEqualTo(20_000.0);
        assertThat(r.bytesPerAddedWatcher()).isEqualTo(400.0);
        assertThat(r.createdPerSecond()).isEqualTo(495.0);
    }

    @Test
    void residentMemoryComesFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t   123456 kB\nRssAnon:\t 100 kB\n";
        assertThat(ProcessMemory.parseVmRss(status)).isEqualTo(123_456L * 1024);
        assertThat(ProcessMemory.rss(ProcessHandle.current().pid())).isPositive();
    }
}
