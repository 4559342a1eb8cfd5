package io.ketcd.host;

import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.api.log.BadInputLog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handlers mounted on the listeners of one role, as {@link io.ketcd.api.http.HttpWhiteboard}
 * describes: every registered handler is a candidate for its path, and the candidate with the
 * highest ranking (then the lowest id) serves it. Lookups follow Go's {@code ServeMux}: an exact
 * path beats a subtree ({@code /a/} serves {@code /a/b}), and the longest subtree wins.
 *
 * <p>Thread-safe. Requests read an immutable snapshot of the winners without locking; {@link
 * #mount} and {@link #unmount} (rare: a service coming or going) replace it. A request already
 * dispatched finishes on the handler it got.
 */
public final class HandlerMounts {
    private static final Logger LOG = LoggerFactory.getLogger(HandlerMounts.class);
    private static final Comparator<Candidate> BEST_FIRST =
            Comparator.comparingInt(Candidate::ranking).reversed().thenComparingLong(Candidate::id);
    /** Ids for mounts made without a service id; negative, so never equal to an OSGi {@code service.id}. */
    private static final AtomicLong LOCAL_IDS = new AtomicLong(Long.MIN_VALUE);
    private static final String SERVICE_ID = "service.id";
    private static final String SERVICE_RANKING = "service.ranking";

    private final String role;
    private final Map<String, List<Candidate>> candidates = new HashMap<>(); // guarded by this
    private final Map<Long, String> pathsById = new HashMap<>(); // guarded by this
    private volatile Map<String, HttpHandler> winners = Map.of();
    private final Set<HttpHandler> reportedFailures = ConcurrentHashMap.newKeySet();
    private final BadInputLog repeatedFailures = new BadInputLog(LOG);

    private record Candidate(long id, int ranking, HttpHandler handler) {
    }

    /** @param role the listeners' role as logs name it, e.g. {@code client-http} */
    public HandlerMounts(String role) {
        this.role = role;
    }

    /**
     * Makes {@code handler} a candidate for {@code path} with {@code ranking}; {@code id} (an OSGi
     * {@code service.id}) breaks ties, the lowest winning, and names the mount for {@link #unmount}.
     *
     * @throws IllegalArgumentException when {@code path} does not start with {@code /}
     * @throws IllegalStateException when {@code id} is mounted already
     */
    public synchronized void mount(long id, String path, int ranking, HttpHandler handler) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("HTTP handler path must start with '/': " + path);
        }
        if (pathsById.putIfAbsent(id, path) != null) {
            throw new IllegalStateException("HTTP handler " + id + " is mounted already");
        }
        candidates.computeIfAbsent(path, p -> new ArrayList<>()).add(new Candidate(id, ranking, handler));
        publish(path);
    }

    /** {@link #mount(long, String, int, HttpHandler)} at ranking 0 under a new id, which it returns. */
    public long mount(String path, HttpHandler handler) {
        long id = LOCAL_IDS.getAndIncrement();
        mount(id, path, 0, handler);
        return id;
    }

    /**
     * Mounts a whiteboard service from its service properties: {@code service.id}, {@code
     * service.ranking} (0 when absent or not an {@code Integer}, as OSGi reads it) and {@link
     * HttpWhiteboard#PATH}. A service with a path that is not a path is logged and left unmounted.
     */
    public void mountService(HttpHandler handler, Map<String, ?> properties) {
        Object path = properties.get(HttpWhiteboard.PATH);
        long id = ((Number) properties.get(SERVICE_ID)).longValue();
        if (!(path instanceof String p) || !p.startsWith("/")) {
            LOG.warn("{} listeners: the HTTP handler {} (service {}) is not mounted: its {} must be a path starting with '/', not {}",
                    role, handler.getClass().getName(), id, HttpWhiteboard.PATH, path);
            return;
        }
        mount(id, p, properties.get(SERVICE_RANKING) instanceof Integer ranking ? ranking : 0, handler);
    }

    /** Follows a change of a mounted service's properties (its path or ranking). */
    public synchronized void updateService(HttpHandler handler, Map<String, ?> properties) {
        unmountService(properties);
        mountService(handler, properties);
    }

    /** Unmounts the whiteboard service with these properties. */
    public void unmountService(Map<String, ?> properties) {
        unmount(((Number) properties.get(SERVICE_ID)).longValue());
    }

    /** Withdraws the candidate {@code id}; the next best for its path, if any, serves it from now on. */
    public synchronized boolean unmount(long id) {
        String path = pathsById.remove(id);
        if (path == null) {
            return false;
        }
        List<Candidate> forPath = candidates.get(path);
        forPath.removeIf(c -> c.id() == id);
        if (forPath.isEmpty()) {
            candidates.remove(path);
        }
        publish(path);
        return true;
    }

    private void publish(String path) {
        HttpHandler before = winners.get(path);
        List<Candidate> forPath = candidates.getOrDefault(path, List.of());
        HttpHandler after = forPath.stream().min(BEST_FIRST).map(Candidate::handler).orElse(null);
        if (before == after) {
            return;
        }
        Map<String, HttpHandler> next = new HashMap<>(winners);
        if (after == null) {
            next.remove(path);
            LOG.info("{} listeners: {} unmounted", role, path);
        } else {
            next.put(path, after);
            LOG.info("{} listeners: {} served by {}{}", role, path, after.getClass().getName(),
                    before == null ? "" : " in place of " + before.getClass().getName());
        }
        winners = Map.copyOf(next);
    }

    /** The handler serving {@code path}: the exact mount, else the longest subtree mount above it; null when none. */
    public HttpHandler lookup(String path) {
        Map<String, HttpHandler> served = winners;
        HttpHandler exact = served.get(path);
        if (exact != null) {
            return exact;
        }
        for (int slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
            HttpHandler subtree = served.get(path.substring(0, slash + 1));
            if (subtree != null) {
                return subtree;
            }
            if (slash == 0) {
                break;
            }
        }
        return null;
    }

    /** The paths served and the class of the handler serving each, in path order. */
    public Map<String, String> served() {
        Map<String, String> out = new TreeMap<>();
        winners.forEach((path, handler) -> out.put(path, handler.getClass().getName()));
        return out;
    }

    /**
     * Serves the request with the handler mounted for its path. A handler that throws gets Go's
     * {@code 500 Internal Server Error} answered for it if it had not committed its response;
     * its first failure is logged with the stack trace, later ones one line per interval.
     *
     * @return false when no handler serves the path (nothing was written)
     */
    public boolean serve(Request request, Response response) throws IOException {
        HttpHandler handler = lookup(request.getRequestURI());
        if (handler == null) {
            return false;
        }
        try {
            handler.service(request, response);
        } catch (Exception | LinkageError e) {
            // LinkageError: a handler whose bundle was updated under it may miss its own classes
            failed(request, response, handler, e);
        }
        return true;
    }

    private void failed(Request request, Response response, HttpHandler handler, Throwable failure) throws IOException {
        String path = BadInputLog.escape(request.getRequestURI());
        if (reportedFailures.add(handler)) {
            LOG.error("{} listeners: the handler {} failed on {} {}; answering 500", role, handler.getClass().getName(),
                    request.getMethod(), path, failure);
        } else {
            repeatedFailures.warn(handler.getClass().getName(), "{} listeners: the handler {} failed again on {} {}: {}",
                    role, handler.getClass().getName(), request.getMethod(), path, failure);
        }
        if (!response.isCommitted()) {
            response.resetBuffer(); // what it wrote and did not send; the headers (CORS) stay
            GoHttp.error(response, HttpStatus.INTERNAL_SERVER_ERROR_500, "Internal Server Error");
        }
    }
}
