package io.ketcd.http.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * The one Grizzly handler of the host: adds etcd's CORS headers, answers {@code OPTIONS}, and
 * dispatches by path to the mounted handlers with Go's {@code ServeMux} rules: a pattern ending in
 * {@code /} matches its subtree (longest wins), any other pattern only itself; an exact match
 * beats a subtree. Unmatched paths answer Go's 404.
 *
 * <p>Mounts live in a concurrent map, so the HTTP-handler whiteboard can mount and unmount while
 * requests are served.
 */
public final class Router extends HttpHandler {
    private final Map<String, HttpHandler> handlers = new ConcurrentHashMap<>();

    public Router() {
        super("ketcd-router");
    }

    /**
     * @throws IllegalArgumentException when {@code path} does not start with {@code /}
     * @throws IllegalStateException when {@code path} is already mounted
     */
    public void mount(String path, HttpHandler handler) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("HTTP handler path must start with '/': " + path);
        }
        if (handlers.putIfAbsent(path, handler) != null) {
            throw new IllegalStateException("HTTP handler path already mounted: " + path);
        }
    }

    public boolean unmount(String path) {
        return handlers.remove(path) != null;
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
        HttpHandler handler = lookup(request.getRequestURI());
        if (handler == null) {
            GoHttp.notFound(response);
            return;
        }
        handler.service(request, response);
    }

    /** The handler for {@code path}: the exact mount, else the longest subtree mount above it. */
    HttpHandler lookup(String path) {
        HttpHandler exact = handlers.get(path);
        if (exact != null) {
            return exact;
        }
        for (int slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
            HttpHandler subtree = handlers.get(path.substring(0, slash + 1));
            if (subtree != null) {
                return subtree;
            }
            if (slash == 0) {
                break;
            }
        }
        return null;
    }
}
