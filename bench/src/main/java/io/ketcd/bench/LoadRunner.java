package io.ketcd.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One phase of a run: {@code clients} closed-loop clients, client {@code i} on channel
 * {@code i % channels.size()}, each with exactly one request in flight, share {@code total}
 * numbered requests. A client sends its next request from the completion of the previous one
 * (on the transport's thread: the channels use a direct executor), so no thread blocks and the
 * in-flight bound per client is 1 by construction, as in etcd's benchmark.
 *
 * <p>A client checks the phase's time bound before it takes a request number, so the requests
 * sent are exactly numbers {@code [0, sent)}.
 */
final class LoadRunner {
    /** A failed request's slot in {@link Phase#latencies()}. */
    static final long FAILED = -1;

    /**
     * What a phase measured.
     *
     * @param latencies nanoseconds of request {@code i}, or {@link #FAILED}, for every request sent; owned by the caller
     * @param errors failed requests by gRPC status code, with one sample description each
     * @param wallNanos from the first request sent to the last answer received
     */
    record Phase(long[] latencies, Map<String, ErrorCount> errors, long wallNanos) {
    }

    record ErrorCount(long count, String example) {
    }

    private final int total;
    /** {@link System#nanoTime()} after which no request is sent. */
    private final long stopAt;
    private final Duration timeout;
    private final long[] latencies;
    private final AtomicInteger nextTicket = new AtomicInteger();
    private final CountDownLatch finished;
    private final ErrorTally errors = new ErrorTally();

    private LoadRunner(int clients, int total, long stopAt, Duration timeout) {
        this.total = total;
        this.stopAt = stopAt;
        this.timeout = timeout;
        this.latencies = new long[total];
        Arrays.fill(latencies, FAILED);
        this.finished = new CountDownLatch(clients);
    }

    /**
     * Runs a phase of at most {@code total} requests and, if {@code duration} is not zero, sends
     * none after it has passed. Returns when every request sent is answered or failed.
     */
    static Phase run(List<? extends Channel> channels, int clients, int total, Duration duration,
            KvCalls.Sender sender, Duration timeout) throws InterruptedException {
        return run(channels, clients, total, duration, client -> sender, timeout);
    }

    /**
     * As {@link #run(List, int, int, Duration, KvCalls.Sender, Duration)}, with a sender of its own for each client
     * ({@code senders.apply(i)} for client {@code i}): a client that holds a stream, as a lease keep-alive client does.
     */
    static Phase run(List<? extends Channel> channels, int clients, int total, Duration duration,
            IntFunction<KvCalls.Sender> senders, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        // unbounded: a century, still safe for the overflow-proof comparison nanoTime() - stopAt > 0
        long stopAt = start + (duration.isZero() ? Long.MAX_VALUE / 3 : duration.toNanos());
        LoadRunner phase = new LoadRunner(clients, total, stopAt, timeout);
        List<Client> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            all.add(phase.new Client(channels.get(i % channels.size()), senders.apply(i)));
        }
        all.forEach(Client::kick);
        phase.finished.await();
        long wall = System.nanoTime() - start;
        int sent = Math.min(phase.nextTicket.get(), total);

        return new Phase(Arrays.copyOf(phase.latencies, sent), phase.errors.snapshot(), wall);
    }

    private final class Client implements FutureCallback<Object> {
        private final Channel channel;
        private final KvCalls.Sender sender;
        /** Completions not yet acted on; the thread that raises it from 0 runs the send loop (no recursion). */
        private final AtomicInteger pending = new AtomicInteger();
        // written before the send and read in its completion: ordered by the future's happens-before
        private int ticket;
        private long sentAt;

        Client(Channel channel, KvCalls.Sender sender) {
            this.channel = channel;
            this.sender = sender;
        }

        void kick() {
            if (pending.getAndIncrement() != 0) {
                return;
            }
            do {
                sendNext();
            } while (pending.decrementAndGet() != 0);
        }

        private void sendNext() {
            // time first, then the number: a number taken is always sent
            if (System.nanoTime() - stopAt > 0 || (ticket = nextTicket.getAndIncrement()) >= total) {
                finished.countDown();
                return;
            }
            CallOptions options = CallOptions.DEFAULT.withWaitForReady()
                    .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
            sentAt = System.nanoTime();
            ListenableFuture<?> answer;
            try {
                answer = sender.send(channel, options, ticket);
            } catch (RuntimeException e) {
                answer = Futures.immediateFailedFuture(e);
            }
            Futures.addCallback(answer, this, MoreExecutors.directExecutor());
        }

        @Override
        public void onSuccess(Object response) {
            latencies[ticket] = System.nanoTime() - sentAt;
            kick();
        }

        @Override
        public void onFailure(Throwable t) {
            errors.add(t);
            kick();
        }
    }
}
