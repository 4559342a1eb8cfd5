package io.ketcd.host;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * Reads each request's whole body with a blocking read, and tells how that ended: {@link
 * #outcome()} completes with null when the body was read, with the exception when the read failed
 * (a read timeout, for one).
 */
final class BodyReadingHandler extends HttpHandler {
    private final CompletableFuture<Throwable> outcome = new CompletableFuture<>();

    CompletableFuture<Throwable> outcome() {
        return outcome;
    }

    @Override
    public void service(Request request, Response response) {
        try {
            request.getInputStream().readAllBytes();
            outcome.complete(null);
        } catch (IOException | RuntimeException e) {
            outcome.complete(e);
        }
    }
}
