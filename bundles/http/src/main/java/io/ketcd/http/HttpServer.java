package io.ketcd.http;

import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.host.GrizzlyListenerServer;
import io.ketcd.host.HandlerMounts;
import io.ketcd.http.internal.HealthHandler;
import io.ketcd.http.internal.Router;
import io.ketcd.http.internal.VersionHandler;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;


/**
 * The client HTTP host: a {@link GrizzlyListenerServer} per listener of {@code listen-client-http-urls}, serving
 * the handlers of a {@link HandlerMounts}: etcd's {@code /health} and {@code /version} ({@link #builtIns}) and
 * whatever else the HTTP handler whiteboard mounts there. Listeners may be TCP
 * ({@code http}, {@code https}) or Unix domain sockets ({@code unix}, {@code unixs}; {@code curl --unix-socket <path>
 * http://localhost/health}), the latter relayed as {@link GrizzlyListenerServer} describes.
 *
 * <p>Every response carries etcd's default CORS headers (etcd's {@code --cors '*'}), and
 * {@code OPTIONS} on any path answers 200 with no body, as etcd's CORS wrapper does. A path no
 * handler serves answers etcd's (Go's) {@code 404 page not found}.
 *
 * <p>Thread-safe. The mounts may change while serving; a request sees the mounts of the moment it
 * is dispatched.
 */
public final class HttpServer implements Closeable {
    /** How long {@link #close()} lets requests in flight finish before it cuts connections. */
    private static final Duration GRACE = Duration.ofSeconds(1);
    /** Handler threads per listener: /health waits up to a second for a read, so a few dozen probes at once. */
    private static final int WORKERS = 32;
    private static final int WORKER_QUEUE = 256;

    /**
     * A connection with no traffic for this long is closed: between keep-alive requests, and
     * also while a request's head is incomplete. Grizzly waits for a request line's first space
     * or for its 8 KiB header limit, so without this bound junk such as {@code "NOT-HTTP\r\n\r\n"}
     * would hold a connection forever.
     */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** In the order of the listeners given to {@link #start}. */
    private final List<GrizzlyListenerServer> servers;
    private final HandlerMounts mounts;

    private HttpServer(List<GrizzlyListenerServer> servers, HandlerMounts mounts) {
        this.servers = List.copyOf(servers);
        this.mounts = mounts;
    }

    /**
     * New mounts holding etcd's built-in handlers, {@code /health} and {@code /version}, at ranking
     * 0; what a member serves without OSGi, where each is a whiteboard service of its own.
     */
    public static HandlerMounts builtIns(MaintenanceService maintenance, KvService kv) {
        HandlerMounts mounts = new HandlerMounts(HttpWhiteboard.CLIENT_HTTP);
        mounts.mount(HealthHandler.PATH, new HealthHandler(maintenance, kv));
        mounts.mount(VersionHandler.PATH, new VersionHandler());
        return mounts;
    }

    /**
     * Serves {@code /health} and {@code /version} on every listener of {@code listeners} (the
     * {@link io.ketcd.api.transport.ListenerRole#CLIENT_HTTP} listeners opened for {@code
     * listen-client-http-urls}), with TLS where a listener has a policy. The server owns the
     * listeners from here on: {@link #close()} closes them, and so does a failed start. Returns
     * once every listener is served.
     *
     * @throws IOException when a listener cannot be served; every listener is closed again
     * @throws IllegalStateException when a listener's TLS policy has no certificate; every listener
     *     is closed again
     */
    public static HttpServer start(MaintenanceService maintenance, KvService kv, List<Listener> listeners) throws IOException {
        return start(builtIns(maintenance, kv), listeners);
    }

    /** Serves {@code mounts} on {@code listeners}, as {@link #start(MaintenanceService, KvService, List)} does. */
    public static HttpServer start(HandlerMounts mounts, List<Listener> listeners) throws IOException {
        return start(mounts, listeners, IDLE_TIMEOUT);
    }

    /** {@link #start(HandlerMounts, List)} with another {@link #IDLE_TIMEOUT}; for tests. */
    static HttpServer start(HandlerMounts mounts, List<Listener> listeners, Duration idleTimeout) throws IOException {
        Router router = new Router(mounts);
        List<GrizzlyListenerServer> servers = new ArrayList<>();
        int i = 0;
        try {
            for (; i < listeners.size(); i++) {
                GrizzlyListenerServer.Settings settings = new GrizzlyListenerServer.Settings("ketcd-client-http-" + i,
                        idleTimeout, WORKERS, WORKER_QUEUE, GRACE);
                servers.add(GrizzlyListenerServer.start(listeners.get(i), router, settings));
            }
        } catch (IOException | RuntimeException e) {
            // the failed one closed its listener; the served ones close theirs, the rest are closed here
            servers.forEach(GrizzlyListenerServer::close);
            for (int rest = i + 1; rest < listeners.size(); rest++) {
                listeners.get(rest).close();
            }
            throw e;
        }
        return new HttpServer(servers, mounts);
    }

    /**
     * The addresses served, in the order of the listeners given to {@link #start} (with the
     * actual port where a URL asked for port 0). A new unmodifiable list on each call.
     */
    public List<SocketAddress> boundAddresses() {
        return servers.stream().map(GrizzlyListenerServer::localAddress).toList();
    }

    /** What these listeners serve; mount and unmount here while serving. */
    public HandlerMounts mounts() {
        return mounts;
    }

    /**
     * Stops accepting and closes the listeners, lets requests in flight finish for up to a
     * second, then closes every connection. Idempotent.
     */
    @Override
    public void close() {
        servers.forEach(GrizzlyListenerServer::close);
    }
}
