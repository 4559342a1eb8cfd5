package io.ketcd.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The result of a measured phase: throughput over the phase's wall time and exact latency
 * percentiles (nearest rank) of the successful requests. The latencies are one sorted
 * {@code long[]}: a run holds at most a few million requests, so exact order statistics cost a
 * few MB and no histogram library is needed.
 *
 * @param ok successful requests; failures count in {@code errors} and not in the latencies
 * @param opsPerSecond {@code ok} divided by the phase's wall time, as etcd's benchmark reports
 * @param latencyMillis p50, p90, p99, p99.9, max and mean, in milliseconds, or all 0 when {@code ok} is 0
 * @param cpuSeconds CPU time used in the phase by the generator and by the server
 */
record Report(String workload, int conns, int clients, int total, long ok, Map<String, LoadRunner.ErrorCount> errors,
        double seconds, double opsPerSecond, Latency latencyMillis, Cpu cpuSeconds) implements Result {

    /** CPU seconds; {@code server} is {@link Double#NaN} when the server's process was not named. */
    record Cpu(double client, double server) {
    }

    record Latency(double p50, double p90, double p99, double p999, double max, double mean) {
    }

    static Report of(String workload, int conns, int clients, LoadRunner.Phase phase, Cpu cpu) {
        long[] ok = Arrays.stream(phase.latencies()).filter(l -> l != LoadRunner.FAILED).sorted().toArray();
        double seconds = phase.wallNanos() / 1e9;
        Latency latency = latency(ok);
        return new Report(workload, conns, clients, phase.latencies().length, ok.length, phase.errors(), seconds,
                seconds > 0 ? ok.length / seconds : 0, latency, cpu);
    }

    /** The percentiles of ascending nanoseconds, in milliseconds; all 0 for none. */
    static Latency latency(long[] sorted) {
        return sorted.length == 0 ? new Latency(0, 0, 0, 0, 0, 0)
                : new Latency(millis(percentile(sorted, 50)), millis(percentile(sorted, 90)),
                        millis(percentile(sorted, 99)), millis(percentile(sorted, 99.9)), millis(sorted[sorted.length - 1]),
                        millis(Arrays.stream(sorted).average().orElse(0)));
    }

    /** Nearest-rank percentile of an ascending, non-empty array: the smallest value with at least p% at or below it. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    @Override
    public long errorCount() {
        return errors.values().stream().mapToLong(LoadRunner.ErrorCount::count).sum();
    }

    private double microsPerRequest(double cpuSeconds) {
        return cpuSeconds * 1e6 / Math.max(1, total);
    }

    static double millis(double nanos) {
        return nanos / 1e6;
    }

    /** One line for people. */
    @Override
    public String human() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%s: %.1f ops/s, %d ok, %d errors in %.2f s (%d clients over %d conns); "
                        + "latency ms p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f mean %.3f",
                workload, opsPerSecond, ok, errorCount(), seconds, clients, conns, latencyMillis.p50,
                latencyMillis.p90, latencyMillis.p99, latencyMillis.p999, latencyMillis.max, latencyMillis.mean));
        s.append(String.format(Locale.ROOT, "; CPU per request: client %.0f us", microsPerRequest(cpuSeconds.client)));
        if (!Double.isNaN(cpuSeconds.server)) {
            s.append(String.format(Locale.ROOT, ", server %.0f us", microsPerRequest(cpuSeconds.server)));
        }
        errors.forEach((code, e) -> s.append(String.format(Locale.ROOT, "; %d x %s: %s", e.count(), code, e.example())));
        return s.toString();
    }

    /** One line of JSON for scripts. */
    @Override
    public String json() {
        StringJoiner errorJson = new StringJoiner(",", "{", "}");
        errors.forEach((code, e) -> errorJson.add("\"" + code + "\":" + e.count()));
        return String.format(Locale.ROOT,
                "{\"workload\":\"%s\",\"conns\":%d,\"clients\":%d,\"total\":%d,\"ok\":%d,\"errors\":%d,"
                        + "\"error_codes\":%s,\"seconds\":%.3f,\"ops_per_sec\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
                        + "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,"
                        + "\"client_cpu_s\":%.3f,\"server_cpu_s\":%s}",
                workload, conns, clients, total, ok, errorCount(), errorJson, seconds, opsPerSecond,
                latencyMillis.p50, latencyMillis.p90, latencyMillis.p99, latencyMillis.p999, latencyMillis.max,
                latencyMillis.mean, cpuSeconds.client,
                Double.isNaN(cpuSeconds.server) ? "null" : String.format(Locale.ROOT, "%.3f", cpuSeconds.server));
    }
}
