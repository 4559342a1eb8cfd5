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
}
