package io.ketcd.bench;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The result of a measured watch phase ({@code watch-latency}, {@code watch-fanout}): events
 * delivered per second to all watchers, exact delivery latency percentiles (nearest rank over all
 * (watcher, event) deliveries, from the put's send to the response's arrival), and the writers' puts.
 *
 * @param putRate puts per second of the open-loop writer, 0 for closed-loop writers
 * @param puts the writers' phase, as the {@code put} workload reports it
 * @param expected events every watcher should get: acknowledged puts times watchers
 * @param events events delivered and timed
 * @param missing expected events that did not come before the phase's drain ended; errors
 * @param outOfOrder events whose revision was not above the watcher's previous one; errors
 * @param streamErrors watch streams that failed, creates refused, watchers cancelled
 * @param seconds from the first put to the last event delivered (to the last answer, when no event came)
 * @param latencyMillis delivery latency; its {@code p999} is p99.9
 * @param cpuSeconds CPU time over the phase and its drain
 */
record WatchReport(String workload, int conns, int streams, long watchers, int clients, int putRate, Report puts,
        long expected, long events, long missing, long outOfOrder, Map<String, LoadRunner.ErrorCount> streamErrors,
        double seconds, Report.Latency latencyMillis, Report.Cpu cpuSeconds) implements Result {

    double eventsPerSecond() {
        return seconds > 0 ? events / seconds : 0;
    }

    @Override
    public long errorCount() {
        return puts.errorCount() + streamErrors.values().stream().mapToLong(LoadRunner.ErrorCount::count).sum()
                + missing + outOfOrder;
    }

    private double microsPerEvent(double cpuSeconds) {
        return cpuSeconds * 1e6 / Math.max(1, events);
    }

    @Override
    public String human() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%s: %.1f events/s delivered (%d of %d, %d missing, %d out of order) to %d watchers on %d streams over "
                        + "%d conns in %.2f s; delivery latency ms p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f mean %.3f",
                workload, eventsPerSecond(), events, expected, missing, outOfOrder, watchers, streams, conns, seconds,
                latencyMillis.p50(), latencyMillis.p90(), latencyMillis.p99(), latencyMillis.p999(), latencyMillis.max(),
                latencyMillis.mean()));
        s.append(String.format(Locale.ROOT, "; puts %.1f/s (%s), %d ok, %d errors, latency ms p50 %.3f p99 %.3f",
                puts.opsPerSecond(), putRate > 0 ? "open loop at " + putRate + "/s" : clients + " closed-loop clients",
                puts.ok(), puts.errorCount(), puts.latencyMillis().p50(), puts.latencyMillis().p99()));
        s.append(String.format(Locale.ROOT, "; CPU per event: client %.1f us", microsPerEvent(cpuSeconds.client())));
        if (!Double.isNaN(cpuSeconds.server())) {
            s.append(String.format(Locale.ROOT, ", server %.1f us", microsPerEvent(cpuSeconds.server())));
        }
        errors().forEach((code, e) -> s.append(String.format(Locale.ROOT, "; %d x %s: %s", e.count(), code, e.example())));
        return s.toString();
    }

    /** The puts' failures, the streams' and the generator's own (MISSING, OUT_OF_ORDER), by code. */
    private Map<String, LoadRunner.ErrorCount> errors() {
        Map<String, LoadRunner.ErrorCount> all = new java.util.TreeMap<>(puts.errors());
        streamErrors.forEach((code, e) -> all.merge(code, e,
                (a, b) -> new LoadRunner.ErrorCount(a.count() + b.count(), a.example())));
        if (missing > 0) {
            all.put("MISSING", new LoadRunner.ErrorCount(missing, "events not delivered"));
        }
        if (outOfOrder > 0) {
            all.put("OUT_OF_ORDER", new LoadRunner.ErrorCount(outOfOrder, "revision not above the watcher's last"));
        }
        return all;
    }

    @Override
    public String json() {
        StringJoiner codes = new StringJoiner(",", "{", "}");
        errors().forEach((code, e) -> codes.add("\"" + code + "\":" + e.count()));
        return String.format(Locale.ROOT,
                "{\"workload\":\"%s\",\"conns\":%d,\"streams\":%d,\"watchers\":%d,\"clients\":%d,\"put_rate\":%d,"
                        + "\"puts\":%d,\"put_ok\":%d,\"put_errors\":%d,\"put_ops_per_sec\":%.1f,\"put_p50_ms\":%.3f,"
                        + "\"put_p99_ms\":%.3f,\"expected\":%d,\"ok\":%d,\"missing\":%d,\"out_of_order\":%d,"
                        + "\"errors\":%d,\"error_codes\":%s,\"seconds\":%.3f,\"events_per_sec\":%.1f,\"p50_ms\":%.3f,"
                        + "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,"
                        + "\"client_cpu_s\":%.3f,\"server_cpu_s\":%s}",
                workload, conns, streams, watchers, clients, putRate, puts.total(), puts.ok(), puts.errorCount(),
                puts.opsPerSecond(), puts.latencyMillis().p50(), puts.latencyMillis().p99(), expected, events, missing,
                outOfOrder, errorCount(), codes, seconds, eventsPerSecond(), latencyMillis.p50(), latencyMillis.p90(),
                latencyMillis.p99(), latencyMillis.p999(), latencyMillis.max(), latencyMillis.mean(),
                cpuSeconds.client(), Double.isNaN(cpuSeconds.server()) ? "null"
                        : String.format(Locale.ROOT, "%.3f", cpuSeconds.server()));
    }
}
