package io.ketcd.itests;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

/** jetcd 0.8.7 as the itests use it: one client per node, bounded waits, no silent retries. */
final class Jetcd {

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private Jetcd() {
    }

    static Client connect(KetcdNode node) {
        return Client.builder()
                .endpoints(node.clientUrl())
                .connectTimeout(Duration.ofSeconds(10))
                // a failed call must fail the test, not be retried behind its back
                .retryMaxAttempts(0)
                .build();
    }

    static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The result of {@code call}, waiting at most {@link #CALL_TIMEOUT}. */
    static <T> T await(CompletableFuture<T> call) throws ExecutionException, InterruptedException {
        try {
            return call.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + CALL_TIMEOUT.toSeconds() + " s", e);
        }
    }
}
