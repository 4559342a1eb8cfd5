package io.ketcd.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop phase: request {@code i} is sent at {@code start + i / rate} whatever happened to
 * the earlier ones (as etcd's {@code watch-latency} paces its puts with a rate limiter), so a slow
 * server faces the same offered load as a fast one and its slowness shows as latency, not as fewer
 * requests. The calling thread paces the sends; a send that falls behind schedule goes at once.
 */
final class RateRunner {
    private RateRunner() {
    }

    /**
     * Sends at most {@code total} requests at {@code rate} per second on {@code channel}, none after {@code duration}
     * (if not zero); returns when every request sent is answered or failed. The result is as {@link LoadRunner}'s.
     */
    static LoadRunner.Phase run(Channel channel, int rate, int total, Duration duration, KvCalls.Sender sender,
            Duration timeout) throws InterruptedException {
        long[] latencies = new long[total];
        Arrays.fill(latencies, LoadRunner.FAILED);
        ErrorTally errors = new ErrorTally();
        // one for the pacer, one more for each request until it is answered; the last one out opens the latch
        AtomicInteger outstanding = new AtomicInteger(1);
        CountDownLatch answered = new CountDownLatch(1);
        long start = System.nanoTime();
        long stopAt = start + (duration.isZero() ? Long.MAX_VALUE / 3 : duration.toNanos());
        int sent = 0;
        for (; sent < total; sent++) {
            long due = start + (long) (sent * 1e9 / rate);
            if (due - stopAt > 0) {
                break;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            int ticket = sent;
            outstanding.incrementAndGet();
            long sentAt = System.nanoTime();
            ListenableFuture<?> answer;
            try {
                answer = sender.send(channel, CallOptions.DEFAULT.withWaitForReady()
                        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS), ticket);
            } catch (RuntimeException e) {
                answer = Futures.immediateFailedFuture(e);
            }
            Futures.addCallback(answer, new FutureCallback<Object>() {
                @Override
                public void onSuccess(Object response) {
                    latencies[ticket] = System.nanoTime() - sentAt;
                    done();
                }

                @Override
                public void onFailure(Throwable t) {
                    errors.add(t);
                    done();
                }

                private void done() {
                    if (outstanding.decrementAndGet() == 0) {
                        answered.countDown();
                    }
                }
            }, MoreExecutors.directExecutor());
        }
        if (outstanding.decrementAndGet() == 0) {
            answered.countDown();
        }
        // the counter and the latch order the callbacks' writes before this thread's reads
        answered.await();
        return new LoadRunner.Phase(Arrays.copyOf(latencies, sent), errors.snapshot(), System.nanoTime() - start);
    }
}
