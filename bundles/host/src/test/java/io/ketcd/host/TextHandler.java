package io.ketcd.host;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/** Answers every request with a fixed {@code text/plain} body, so a test sees which handler served it. */
public final class TextHandler extends HttpHandler {
    private final String body;

    public TextHandler(String body) {
        this.body = body;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        response.setContentType("text/plain");
        response.getWriter().write(body);
    }
}
