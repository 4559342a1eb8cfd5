package io.ketcd.http;

import io.ketcd.http.internal.HealthHandler;
import io.ketcd.http.internal.Router;
import io.ketcd.http.internal.VersionHandler;
import io.ketcd.server.EtcdServer;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client HTTP host: one Grizzly listener per URL of {@code listen-client-http-urls}, serving
 * etcd's {@code /health} and {@code /version} and whatever else is {@link #mount mounted}.
 *
 * <p>Every response carries etcd's default CORS headers (etcd's {@code --cors '*'}), and
 * {@code OPTIONS} on any path answers 200 with no body, as etcd's CORS wrapper does. A path no
 * handler serves answers etcd's (Go's) {@code 404 page not found}.
 *
 * <p>Thread-safe. {@link #mount}/{@link #unmount} may be called while serving; a request sees the
 * mounts of the moment it is dispatched.
 */
public final class HttpServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /** How long {@link #close()} lets requests in flight finish before it cuts connections. */
    private static final long GRACE_MILLIS = 1000;

    /**
     * A connection with no traffic for this long is closed: between keep-alive requests, and
     * also while a request's head is incomplete. Grizzly waits for a request line's first space
     * or for its 8 KiB header limit, so without this bound junk such as {@code "NOT-HTTP\r\n\r\n"}
     * would hold a connection forever.
     */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final org.glassfish.grizzly.http.server.HttpServer grizzly;
    /** In the order of listen-client-http-urls (Grizzly keeps its listeners in a map). */
    private final List<NetworkListener> listeners;
    private final Router router;

    private HttpServer(org.glassfish.grizzly.http.server.HttpServer grizzly, List<NetworkListener> listeners, Router router) {
        this.grizzly = grizzly;
        this.listeners = List.copyOf(listeners);
        this.router = router;
    }

    /**
     * Binds every URL of {@code server.config().listenClientHttpUrls()} (port 0 binds a free
     * port; see {@link #boundAddresses()}) and serves {@code /health} and {@code /version}.
     * Returns once all listeners accept connections.
     *
     * @throws IOException when a listener cannot bind; listeners already bound are closed again
     * @throws IllegalArgumentException when a URL's scheme is not {@code http} (TLS comes with the
     *         TLS policy service)
     */
    public static HttpServer start(EtcdServer server) throws IOException {
        return start(server, IDLE_TIMEOUT);
    }

    /** {@link #start(EtcdServer)} with another {@link #IDLE_TIMEOUT}; for tests. */
    static HttpServer start(EtcdServer server, Duration idleTimeout) throws IOException {
        List<URI> urls = server.config().listenClientHttpUrls();
        Router router = new Router();
        router.mount(HealthHandler.PATH, new HealthHandler(server));
        router.mount(VersionHandler.PATH, new VersionHandler());

        org.glassfish.grizzly.http.server.HttpServer grizzly = new org.glassfish.grizzly.http.server.HttpServer();
        List<NetworkListener> listeners = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            URI url = urls.get(i);
            if (!"http".equalsIgnoreCase(url.getScheme())) {
                throw new IllegalArgumentException("listen-client-http-urls: unsupported scheme \""
                        + url.getScheme() + "\" in " + url + " (only http is served so far)");
            }
            NetworkListener listener = new NetworkListener("client-http-" + i, host(url), url.getPort());
            listener.getKeepAlive().setIdleTimeoutInSeconds(Math.toIntExact(Math.max(1, idleTimeout.toSeconds())));
            grizzly.addListener(listener);
            listeners.add(listener);
        }
        grizzly.getServerConfiguration().addHttpHandler(router);
        grizzly.getServerConfiguration().setName("ketcd-client-http");
        try {
            grizzly.start();
        } catch (IOException | RuntimeException e) {
            grizzly.shutdownNow();
            throw e;
        }
        HttpServer http = new HttpServer(grizzly, listeners, router);
        List<InetSocketAddress> bound = http.boundAddresses();
        for (int i = 0; i < urls.size(); i++) {
            LOG.info("serving client HTTP on {} (bound {})", urls.get(i), bound.get(i));
        }
        return http;
    }

    /**
     * The addresses the listeners are bound to, in the order of {@code listen-client-http-urls},
     * with the actual port where the URL asked for port 0. A new unmodifiable list on each call.
     */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (NetworkListener l : listeners) {
            out.add(new InetSocketAddress(l.getHost(), l.getPort()));
        }
        return List.copyOf(out);
    }

    /**
     * Serves {@code path} with {@code handler} on every listener. A path ending in {@code /}
     * serves its whole subtree (the longest such mount wins); any other path serves exactly that
     * path, as Go's {@code ServeMux} patterns do. The handler's {@code service} is called
     * directly: the host does not run the handler's own Grizzly pre-processing.
     *
     * @throws IllegalArgumentException when {@code path} does not start with {@code /}
     * @throws IllegalStateException when {@code path} is already mounted (unmount it first)
     */
    public void mount(String path, HttpHandler handler) {
        router.mount(path, handler);
    }

    /** Stops serving {@code path}; returns whether it was mounted. Requests already dispatched finish. */
    public boolean unmount(String path) {
        return router.unmount(path);
    }

    /**
     * Stops accepting, lets requests in flight finish for up to a second, then closes every
     * connection. Idempotent.
     */
    @Override
    public void close() {
        try {
            grizzly.shutdown(GRACE_MILLIS, TimeUnit.MILLISECONDS).get(2 * GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grizzly.shutdownNow();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("client HTTP did not stop gracefully; closing connections", e);
            grizzly.shutdownNow();
        }
    }

    /** A URI host as a bind address: IPv6 literals lose their brackets. */
    private static String host(URI url) {
        String h = url.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }
}
