package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** watch-latency and watch-fanout against {@link FakeEtcd} over real connections. */
class WatchLoadTest {
    private static Options options(FakeEtcd etcd, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--endpoints";
        all[1] = "127.0.0.1:" + etcd.port();
        System.arraycopy(args, 0, all, 2, args.length);
        return Options.parse(all);
    }

    @Test
    void latencyEveryWatcherGetsEveryPutOnce() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, false)) {
            WatchReport r = (WatchReport) Benchmark.run(options(etcd, "--conns", "2", "watch-latency", "--streams", "3",
                    "--watchers-per-stream", "4", "--put-total", "200", "--put-rate", "2000", "--warmup", "20",
                    "--server-pid", Long.toString(ProcessHandle.current().pid())));

            assertThat(r.workload()).isEqualTo("watch-latency");
            assertThat(r.watchers()).isEqualTo(12);
            assertThat(r.streams()).isEqualTo(3);
            assertThat(r.putRate()).isEqualTo(2000);
            assertThat(r.puts().ok()).isEqualTo(200);
            assertThat(etcd.puts.get()).isEqualTo(220);
            assertThat(r.expected()).isEqualTo(200 * 12);
            assertThat(r.events()).isEqualTo(200 * 12);
            assertThat(r.missing()).isZero();
            assertThat(r.outOfOrder()).isZero();
            assertThat(r.errorCount()).isZero();
            assertThat(r.eventsPerSecond()).isPositive();
            assertThat(r.latencyMillis().p50()).isPositive().isLessThanOrEqualTo(r.latencyMillis().p99());
            assertThat(r.cpuSeconds().server()).isPositive();
            assertThat(r.json()).startsWith("{\"workload\":\"watch-latency\",\"conns\":2,\"streams\":3,\"watchers\":12,")
                    .contains("\"put_ok\":200,", "\"expected\":2400,\"ok\":2400,\"missing\":0,");
            assertThat(r.human()).startsWith("watch-latency: ").contains("(2400 of 2400, 0 missing, 0 out of order)",
                    "open loop at 2000/s");
            // the streams were cancelled when the workload ended
            Await.until("the fake to drop the watchers", () -> etcd.liveWatchers() == 0);
        }
    }

    @Test
    void fanoutCountsEventsOfEveryWriterAtEveryWatcherOfThePrefix() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, false)) {
            WatchReport r = (WatchReport) Benchmark.run(options(etcd, "--conns", "3", "watch-fanout", "--streams", "5",
                    "--watchers-per-stream", "4", "--clients", "6", "--total", "300", "--warmup", "30",
                    "--key-space-size", "50", "--sequential-keys"));

            assertThat(r.workload()).isEqualTo("watch-fanout");
            assertThat(r.clients()).isEqualTo(6);
            assertThat(r.putRate()).isZero();
            assertThat(r.puts().ok()).isEqualTo(300);
            assertThat(r.events()).isEqualTo(300 * 20);
            assertThat(r.missing()).isZero();
            assertThat(r.errorCount()).isZero();
            assertThat(r.human()).contains("6 closed-loop clients");
        }
    }

    @Test
    void missingEventsAreErrors() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd(true, true)) {
            WatchReport r = (WatchReport) Benchmark.run(options(etcd, "watch-latency", "--streams", "2",
                    "--watchers-per-stream", "2", "--put-total", "50", "--put-rate", "5000", "--warmup", "0",
                    "--timeout", "1"));

            // the first watcher got nothing; the drain gave up after --timeout
            long ok = r.puts().ok();
            assertThat(ok).isEqualTo(50 - r.puts().errorCount());
            assertThat(r.expected()).isEqualTo(4 * ok);
            assertThat(r.events()).isEqualTo(3 * ok);
            assertThat(r.missing()).isEqualTo(ok);
            assertThat(r.errorCount()).isEqualTo(50);
            assertThat(r.json()).contains("\"MISSING\":" + ok);
        }
    }
}
