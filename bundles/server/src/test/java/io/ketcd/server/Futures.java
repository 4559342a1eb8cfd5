package io.ketcd.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting for the server's futures in tests, with bounds generous enough for a loaded machine. */
final class Futures {

    private Futures() {
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    /** The etcd error {@code f} fails with; an assertion error if it succeeds or fails otherwise. */
    static EtcdError errorOf(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(EtcdException.class);
            return ((EtcdException) e.getCause()).error();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the request to fail");
    }
}
