package io.ketcd.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * Responses written the way Go's net/http writes them, since etcd's HTTP endpoints are Go
 * handlers and clients (and scripts with {@code curl}) see those bytes.
 */
public final class GoHttp {
    /** The Content-Type Go sniffs for a JSON or text body written without one. */
    public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    private GoHttp() {
    }

    /** Writes {@code body} with a fixed Content-Length (no chunking), as Go does for small bodies. */
    public static void write(Response response, HttpStatus status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Go's {@code http.Error}: text/plain, {@code X-Content-Type-Options: nosniff}, the text plus a newline. */
    public static void error(Response response, HttpStatus status, String text) throws IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        write(response, status, TEXT_PLAIN, text + "\n");
    }

    /** etcd's answer to a method its handler does not serve: 405 with {@code Allow}. */
    public static void methodNotAllowed(Response response, String allow) throws IOException {
        response.setHeader("Allow", allow);
        error(response, HttpStatus.METHOD_NOT_ALLOWED_405, "Method Not Allowed");
    }

    /** Go's {@code http.NotFound}. */
    public static void notFound(Response response) throws IOException {
        error(response, HttpStatus.NOT_FOUND_404, "404 page not found");
    }
}
