package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.RangeRequest;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code watch-memory} workload: what watch streams and watchers cost the server in resident
 * memory. In three steps on the same streams, each read when settled ({@link ProcessMemory#settled}):
 * before any stream, with every stream holding one watcher, and with all watchers, each on a key of
 * its own. Measuring the steps in one server keeps one step's garbage out of the next: a runtime
 * reuses freed memory before it asks the system for more, so a stream closed earlier would hide
 * part of a later stream's cost.
 *
 * <p>Before the baseline, the connections are opened and used, and a few watchers are created and
 * dropped, so the baseline holds the connections and the server's watch code (loaded classes,
 * compiled code, pools) and the steps only the streams and watchers.
 */
final class WatchMemory {
    /** At most this many streams of at most this many watchers each warm the server's watch code. */
    private static final int WARM = 10;

    private WatchMemory() {
    }

    static Result run(Options o, List<? extends Channel> channels) throws InterruptedException {
        Options.Streaming st = o.streaming();
        int perStream = st.watchersPerStream();
        WatchStreams.Creates creates = (stream, watcher) ->
                WatchCalls.watchKey(WatchCalls.key(o, WatchCalls.MEMORY_TAG, (long) stream * perStream + watcher));
        WatchStreams.Listener ignore = (stream, watcher, response, receivedAt) -> {
        };
        for (Channel c : channels) {
            ClientCalls.blockingUnaryCall(c, KvCalls.RANGE, CallOptions.DEFAULT.withWaitForReady()
                    .withDeadlineAfter(o.timeout().toNanos(), TimeUnit.NANOSECONDS), RangeRequest.newBuilder()
                    .setKey(WatchCalls.key(o, WatchCalls.MEMORY_TAG, 0)).setSerializable(true).build());
        }
        int warmStreams = Math.min(WARM, st.streams());
        int warmWatchers = Math.min(WARM, perStream);
        try (WatchStreams warm = WatchStreams.open(channels, warmStreams, warmWatchers, creates, ignore)) {
            if (!warm.awaitCreated((long) warmStreams * warmWatchers, o.timeout())) {
                return failed(o, "warming up: created " + warm.created() + " of " + warmStreams * warmWatchers
                        + " watchers; " + warm.errors());
            }
        }
        long before = rss(o);
        try (WatchStreams streams = WatchStreams.open(channels, st.streams(), 1, creates, ignore)) {
            if (!streams.awaitCreated(st.streams(), o.timeout())) {
                return failed(o, "created " + streams.created() + " of the first " + st.streams() + " watchers; "
                        + streams.errors());
            }
            long withStreams = rss(o);
            long start = System.nanoTime();
            streams.want(perStream);
            if (!streams.awaitCreated(st.watchers(), o.timeout())) {
                return failed(o, "created " + streams.created() + " of " + st.watchers() + " watchers; "
                        + streams.errors());
            }
            double createSeconds = (System.nanoTime() - start) / 1e9;
            long after = rss(o);
            return new MemoryReport(o.conns(), st.streams(), st.watchers(), before, withStreams, after, createSeconds,
                    streams.errors());
        }
    }

    private static Result failed(Options o, String why) {
        return new Result.Failed(o.workload().label(), why + " within " + o.timeout().toSeconds() + " s");
    }

    /** The servers' settled resident memory, or -1 without {@code --server-pid}. */
    private static long rss(Options o) throws InterruptedException {
        if (o.serverPids().isEmpty()) {
            return -1;
        }
        Options.Streaming st = o.streaming();
        return ProcessMemory.settled(o.serverPids(), st.rssSamples(), st.rssInterval());
    }
}
