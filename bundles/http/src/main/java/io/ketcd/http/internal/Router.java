package io.ketcd.http.internal;

import io.ketcd.host.GoHttp;
import io.ketcd.host.HandlerMounts;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * The one Grizzly handler of the client HTTP listeners: adds etcd's CORS headers, answers {@code
 * OPTIONS}, and dispatches by path to the {@link HandlerMounts} of the moment. Unmatched paths
 * answer Go's 404.
 */
public final class Router extends HttpHandler {
    private final HandlerMounts mounts;

    public Router(HandlerMounts mounts) {
        super("ketcd-router");
        this.mounts = mounts;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        // etcd wraps its client handlers in a CORS handler; with the default --cors '*' every
        // response carries these three headers and OPTIONS never reaches a handler. Go writes
        // header names sorted, then Date; the same order here.
        response.addHeader("Access-Control-Allow-Headers", "accept, content-type, authorization");
        response.addHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        response.addHeader("Access-Control-Allow-Origin", "*");
        response.addDateHeader("Date", System.currentTimeMillis());
        if (Method.OPTIONS.equals(request.getMethod())) {
            response.setStatus(HttpStatus.OK_200);
            response.setContentLength(0);
            return;
        }
        if (!mounts.serve(request, response)) {
            GoHttp.notFound(response);
        }
    }
}
