package io.ketcd.bench;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The result of {@code watch-memory}: the servers' resident memory before any stream, with every
 * stream holding one watcher, and with all watchers, each the minimum of a few readings.
 *
 * @param rssBefore bytes before the streams (connections open and used); -1 when no server pid was given
 * @param rssStreams bytes with {@code streams} streams of one watcher each
 * @param rssAfter bytes with all {@code watchers}
 * @param createSeconds time to create the watchers beyond the first of each stream
 * @param errors streams that failed or creates refused
 */
record MemoryReport(int conns, int streams, long watchers, long rssBefore, long rssStreams, long rssAfter,
        double createSeconds, Map<String, LoadRunner.ErrorCount> errors) implements Result {

    boolean measured() {
        return rssBefore >= 0;
    }

    /** (after - before) / watchers: everything the watchers and their streams cost, per watcher. */
    double bytesPerWatcher() {
        return (rssAfter - rssBefore) / (double) watchers;
    }

    /** (streams - before) / streams: a stream with one watcher. */
    double bytesPerStream() {
        return (rssStreams - rssBefore) / (double) streams;
    }

    /** (after - streams) / (watchers - streams): one more watcher on a stream that exists. */
    double bytesPerAddedWatcher() {
        return watchers == streams ? Double.NaN : (rssAfter - rssStreams) / (double) (watchers - streams);
    }

    double createdPerSecond() {
        return createSeconds > 0 ? (watchers - streams) / createSeconds : 0;
    }

    @Override
    public long errorCount() {
        return errors.values().stream().mapToLong(LoadRunner.ErrorCount::count).sum();
    }

    @Override
    public String human() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "watch-memory: %d watchers on %d streams over %d conns; created %.0f watchers/s",
                watchers, streams, conns, createdPerSecond()));
        if (measured()) {
            s.append(String.format(Locale.ROOT, "; server RSS MiB %.1f before, %.1f with the streams, %.1f with all "
                    + "watchers; bytes per watcher %.0f (per added watcher %.0f), per stream %.0f",
                    rssBefore / 1048576.0, rssStreams / 1048576.0, rssAfter / 1048576.0, bytesPerWatcher(),
                    bytesPerAddedWatcher(), bytesPerStream()));
        } else {
            s.append("; no --server-pid, no memory measured");
        }
        errors.forEach((code, e) -> s.append(String.format(Locale.ROOT, "; %d x %s: %s", e.count(), code, e.example())));
        return s.toString();
    }

    @Override
    public String json() {
        StringJoiner codes = new StringJoiner(",", "{", "}");
        errors.forEach((code, e) -> codes.add("\"" + code + "\":" + e.count()));
        return String.format(Locale.ROOT,
                "{\"workload\":\"watch-memory\",\"conns\":%d,\"streams\":%d,\"watchers\":%d,\"ok\":%d,\"errors\":%d,"
                        + "\"error_codes\":%s,\"create_seconds\":%.3f,\"rss_before\":%s,\"rss_streams\":%s,"
                        + "\"rss_after\":%s,\"bytes_per_watcher\":%s,\"bytes_per_added_watcher\":%s,"
                        + "\"bytes_per_stream\":%s}",
                conns, streams, watchers, watchers, errorCount(), codes, createSeconds, number(rssBefore),
                number(rssStreams), number(rssAfter), bytes(bytesPerWatcher()), bytes(bytesPerAddedWatcher()),
                bytes(bytesPerStream()));
    }

    private String number(long bytes) {
        return measured() ? Long.toString(bytes) : "null";
    }

    private String bytes(double perItem) {
        return measured() && !Double.isNaN(perItem) ? String.format(Locale.ROOT, "%.0f", perItem) : "null";
    }
}
