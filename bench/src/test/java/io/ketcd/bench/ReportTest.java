package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    @Test
    void percentilesAreNearestRank() {
        long[] sorted = new long[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertThat(Report.percentile(sorted, 50)).isEqualTo(50);
        assertThat(Report.percentile(sorted, 90)).isEqualTo(90);
        assertThat(Report.percentile(sorted, 99)).isEqualTo(99);
        assertThat(Report.percentile(sorted, 99.9)).isEqualTo(100);
        assertThat(Report.percentile(sorted, 0)).isEqualTo(1);
        assertThat(Report.percentile(new long[] {7}, 99)).isEqualTo(7);
    }

    @Test
    void failedRequestsAreCountedButNotTimed() {
        // 4 requests: 3 ms, failed, 1 ms, 2 ms; the phase took half a second
        long[] latencies = {3_000_000, LoadRunner.FAILED, 1_000_000, 2_000_000};
        LoadRunner.Phase phase = new LoadRunner.Phase(latencies,
                Map.of("UNAVAILABLE", new LoadRunner.ErrorCount(1, "connection refused")), 500_000_000);

        Report r = Report.of("put", 2, 4, phase, new Report.Cpu(0.0002, 0.001));

        assertThat(r.total()).isEqualTo(4);
        assertThat(r.ok()).isEqualTo(3);
        assertThat(r.errorCount()).isEqualTo(1);
        assertThat(r.opsPerSecond()).isEqualTo(6.0);
        assertThat(r.latencyMillis()).isEqualTo(new Report.Latency(2, 3, 3, 3, 3, 2));
        assertThat(r.json()).isEqualTo("{\"workload\":\"put\",\"conns\":2,\"clients\":4,\"total\":4,\"ok\":3,"
                + "\"errors\":1,\"error_codes\":{\"UNAVAILABLE\":1},\"seconds\":0.500,\"ops_per_sec\":6.0,"
                + "\"p50_ms\":2.000,\"p90_ms\":3.000,\"p99_ms\":3.000,\"p999_ms\":3.000,\"max_ms\":3.000,"
                + "\"mean_ms\":2.000,\"client_cpu_s\":0.000,\"server_cpu_s\":0.001}");
        assertThat(r.human()).startsWith("put: 6.0 ops/s, 3 ok, 1 errors in 0.50 s (4 clients over 2 conns)")
                .endsWith("; CPU per request: client 50 us, server 250 us; 1 x UNAVAILABLE: connection refused");
    }

    @Test
    void allFailedGivesZeroLatencies() {
        Report r = Report.of("put", 1, 1, new LoadRunner.Phase(new long[] {LoadRunner.FAILED},
                Map.of("DEADLINE_EXCEEDED", new LoadRunner.ErrorCount(1, "deadline")), 1_000),
                new Report.Cpu(0.5, Double.NaN));

        assertThat(r.ok()).isZero();
        assertThat(r.opsPerSecond()).isZero();
        assertThat(r.latencyMillis()).isEqualTo(new Report.Latency(0, 0, 0, 0, 0, 0));
        assertThat(r.json()).endsWith("\"client_cpu_s\":0.500,\"server_cpu_s\":null}");
        assertThat(r.human()).contains("CPU per request: client 500000 us;");
    }

    @Test
    void cpuTimeOfAProcessComesFromProcStat() {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 40 0";
        assertThat(CpuTime.parseStat(stat)).isEqualTo(18.0);
        assertThat(CpuTime.ofProcess(ProcessHandle.current().pid())).isPositive();
        assertThat(CpuTime.self()).isPositive();
    }

    @Test
    void watchReportCountsMissingAndOutOfOrderAsErrors() {
        Report puts = Report.of("put", 1, 1, new LoadRunner.Phase(new long[] {2_000_000, 4_000_000},
                Map.of(), 1_000_000_000), new Report.Cpu(0, 0));
        WatchReport r = new WatchReport("watch-latency", 2, 3, 6, 1, 100, puts, 12, 10, 1, 1,
                Map.of("CANCELED", new LoadRunner.ErrorCount(1, "compacted at 5")), 2.0,
                Report.latency(new long[] {1_000_000, 3_000_000}), new Report.Cpu(0.001, Double.NaN));

        assertThat(r.eventsPerSecond()).isEqualTo(5.0);
        assertThat(r.errorCount()).isEqualTo(3);
        assertThat(r.latencyMillis()).isEqualTo(new Report.Latency(1, 3, 3, 3, 3, 2));
        assertThat(r.json()).isEqualTo("{\"workload\":\"watch-latency\",\"conns\":2,\"streams\":3,\"watchers\":6,"
                + "\"clients\":1,\"put_rate\":100,\"puts\":2,\"put_ok\":2,\"put_errors\":0,\"put_ops_per_sec\":2.0,"
                + "\"put_p50_ms\":2.000,\"put_p99_ms\":4.000,\"expected\":12,\"ok\":10,\"missing\":1,"
                + "\"out_of_order\":1,\"errors\":3,\"error_codes\":{\"CANCELED\":1,\"MISSING\":1,\"OUT_OF_ORDER\":1},"
                + "\"seconds\":2.000,\"events_per_sec\":5.0,\"p50_ms\":1.000,\"p90_ms\":3.000,\"p99_ms\":3.000,"
                + "\"p999_ms\":3.000,\"max_ms\":3.000,\"mean_ms\":2.000,\"client_cpu_s\":0.001,\"server_cpu_s\":null}");
        assertThat(r.human()).startsWith("watch-latency: 5.0 events/s delivered (10 of 12, 1 missing, 1 out of order)")
                .contains("puts 2.0/s (open loop at 100/s), 2 ok", "CPU per event: client 100.0 us;")
                .endsWith("; 1 x CANCELED: compacted at 5; 1 x MISSING: events not delivered; "
                        + "1 x OUT_OF_ORDER: revision not above the watcher's last");
    }

    @Test
    void aFailedWorkloadIsStillOneLineOfEach() {
        Result r = new Result.Failed("lease-keepalive", "UNIMPLEMENTED \"Lease\"\nnot served");

        assertThat(r.errorCount()).isOne();
        assertThat(r.human()).isEqualTo("lease-keepalive: failed: UNIMPLEMENTED \"Lease\" not served");
        assertThat(r.json()).isEqualTo(
                "{\"workload\":\"lease-keepalive\",\"ok\":0,\"errors\":1,\"failed\":\"UNIMPLEMENTED \\\"Lease\\\" not served\"}");
    }
}
