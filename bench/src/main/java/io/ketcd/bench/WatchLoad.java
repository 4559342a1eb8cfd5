package io.ketcd.bench;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;

import java.time.Duration;
import java.util.List;

/**
 * The {@code watch-latency} and {@code watch-fanout} workloads: watchers first (all created before
 * any put), then a warmup phase and a measured phase of stamped puts, each followed by a drain that
 * waits, at most {@code --timeout}, for every watcher to get every acknowledged put.
 *
 * <ul>
 * <li>{@code watch-latency}: every watcher watches one key; one writer on its own connection (etcd's
 * benchmark gives its put client one too) puts that key at {@code --put-rate}, open loop.
 * <li>{@code watch-fanout}: every watcher watches one prefix; {@code --clients} closed-loop writers,
 * spread over the watchers' connections as the {@code put} workload's clients are, put keys under it.
 * </ul>
 *
 * The drain after the warmup keeps the warmup's backlog out of the measured phase's latencies; a
 * warmup event arriving late is told apart by its phase stamp all the same.
 */
final class WatchLoad {
    private static final int WARMUP_PHASE = 1;
    private static final int MEASURED_PHASE = 2;

    private WatchLoad() {
    }

    /** Runs the workload {@code o} names with its watchers on {@code channels}; {@code writer} is watch-latency's. */
    static Result run(Options o, List<? extends Channel> channels, Channel writer) throws InterruptedException {
        Options.Streaming st = o.streaming();
        boolean latency = o.workload() == Options.Workload.WATCH_LATENCY;
        byte tag = latency ? WatchCalls.LATENCY_TAG : WatchCalls.FANOUT_TAG;
        WatchRequest create = latency ? WatchCalls.watchKey(WatchCalls.key(o, tag, 0)) : WatchCalls.watchPrefix(tag);
        Deliveries deliveries = new Deliveries(st.streams(), st.watchersPerStream());
        try (WatchStreams streams = WatchStreams.open(channels, st.streams(), st.watchersPerStream(),
                (stream, watcher) -> create, deliveries)) {
            if (!streams.awaitCreated(st.watchers(), o.timeout())) {
                return new Result.Failed(o.workload().label(), "created " + streams.created() + " of " + st.watchers()
                        + " watchers within " + o.timeout().toSeconds() + " s; " + streams.errors());
            }
            Writers writers = latency
                    ? (phase, count, duration) -> RateRunner.run(writer, st.putRate(), count, duration,
                            put(o, phase, tag), o.timeout())
                    : (phase, count, duration) -> LoadRunner.run(channels, o.clients(), count, duration,
                            put(o, phase, tag), o.timeout());
            if (o.warmup() > 0) {
                Deliveries.Phase warmup = new Deliveries.Phase(WARMUP_PHASE, o.warmup());
                deliveries.start(warmup);
                LoadRunner.Phase puts = writers.run(warmup, o.warmup(), o.warmupDuration());
                deliveries.awaitAll(acknowledged(puts), o.timeout());
            }
            int total = latency ? st.putTotal() : o.total();
            Deliveries.Phase measured = new Deliveries.Phase(MEASURED_PHASE, total);
            deliveries.start(measured);
            double client = CpuTime.self();
            double server = Benchmark.serverCpu(o);
            long start = System.nanoTime();
            LoadRunner.Phase puts = writers.run(measured, total, o.duration());
            long perWatcher = acknowledged(puts);
            deliveries.awaitAll(perWatcher, o.timeout());
            Report.Cpu cpu = new Report.Cpu(CpuTime.self() - client, Benchmark.serverCpu(o) - server);
            Deliveries.Outcome outcome = deliveries.outcome(perWatcher);
            long end = start + puts.wallNanos();
            if (outcome.lastDeliveryAt() != 0 && outcome.lastDeliveryAt() - end > 0) {
                end = outcome.lastDeliveryAt();
            }
            int putClients = latency ? 1 : o.clients();
            Report putReport = Report.of("put", latency ? 1 : o.conns(), putClients, puts, cpu);
            return new WatchReport(o.workload().label(), o.conns(), st.streams(), st.watchers(), putClients,
                    latency ? st.putRate() : 0, putReport, perWatcher * st.watchers(), outcome.latencies().length,
                    outcome.missing(), outcome.outOfOrder(), streams.errors(), (end - start) / 1e9,
                    Report.latency(outcome.latencies()), cpu);
        }
    }

    @FunctionalInterface
    private interface Writers {
        LoadRunner.Phase run(Deliveries.Phase phase, int count, Duration duration) throws InterruptedException;
    }

    /** Puts that succeeded: each of them is an event every watcher must get. */
    private static long acknowledged(LoadRunner.Phase puts) {
        return java.util.Arrays.stream(puts.latencies()).filter(l -> l != LoadRunner.FAILED).count();
    }

    /**
     * Put number {@code ticket} of {@code phase}: watch-latency's one key, or a key under watch-fanout's prefix as the
     * {@code put} workload picks it; the value stamped, and the send time recorded just before the send.
     */
    static KvCalls.Sender put(Options o, Deliveries.Phase phase, byte tag) {
        ByteString filler = KvCalls.value(o);
        boolean oneKey = tag == WatchCalls.LATENCY_TAG;
        ByteString fixedKey = WatchCalls.key(o, tag, 0);
        return (channel, options, ticket) -> {
            PutRequest request = PutRequest.newBuilder()
                    .setKey(oneKey ? fixedKey : WatchCalls.key(o, tag, KvCalls.keyNumber(o, ticket)))
                    .setValue(WatchCalls.value(filler, phase.id(), ticket))
                    .build();
            phase.sending(ticket);
            return ClientCalls.futureUnaryCall(channel.newCall(KvCalls.PUT, options), request);
        };
    }
}
