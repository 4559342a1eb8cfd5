package io.ketcd.api.http;

import io.ketcd.api.transport.ListenerRole;

import java.util.Optional;

/**
 * The contract of the HTTP handler whiteboard. A bundle serves a path on a member's listeners by
 * registering an {@code org.glassfish.grizzly.http.server.HttpHandler} service with
 * <ul>
 *   <li>{@link #PATH}: where it serves, with Go's {@code ServeMux} rules: a path ending in
 *       {@code /} serves its whole subtree (the longest such path wins), any other path only
 *       itself, and an exact path beats a subtree;</li>
 *   <li>{@link #ROLE}: on which listeners, {@link #CLIENT_HTTP} (the default when absent, {@code
 *       listen-client-http-urls}) or {@link #PEER} ({@code listen-peer-urls}, beside the raft
 *       transport's own paths, which it keeps).</li>
 * </ul>
 * The listener's host mounts the service while it is registered and unmounts it when it goes,
 * without re-opening anything. Of several services for the same path and role, the one with the
 * highest {@code service.ranking} serves (on a tie, the lowest {@code service.id}), so a bundle
 * replaces a built-in handler ({@code /health}, {@code /version}: ranking 0) by registering its
 * own at a higher ranking, and the built-in serves again when that one goes.
 *
 * <p>The handler's {@code service} method is called directly on the host's worker threads (its
 * own Grizzly pre-processing is not run). A handler that throws gets a {@code 500 Internal Server
 * Error} answered for it when it had not started its response yet; the failure is logged once
 * per handler and interval, and the other handlers keep serving. {@link HttpEndpoint} sets both
 * properties from a Declarative Services component.
 */
public final class HttpWhiteboard {
    /** The service property naming the path served; required. */
    public static final String PATH = "ketcd.http.path";
    /** The service property naming the listeners served: {@link #CLIENT_HTTP} (default) or {@link #PEER}. */
    public static final String ROLE = "ketcd.http.role";
    /** {@link ListenerRole#CLIENT_HTTP}'s label. */
    public static final String CLIENT_HTTP = "client-http";
    /** {@link ListenerRole#PEER}'s label. */
    public static final String PEER = "peer";

    /** An LDAP filter for the services the client HTTP host mounts. */
    public static final String CLIENT_HTTP_FILTER =
            "(&(" + PATH + "=*)(|(!(" + ROLE + "=*))(" + ROLE + "=" + CLIENT_HTTP + ")))";
    /** An LDAP filter for the services the peer host mounts. */
    public static final String PEER_FILTER = "(&(" + PATH + "=*)(" + ROLE + "=" + PEER + "))";

    private HttpWhiteboard() {
    }

    /**
     * The listener role a {@link #ROLE} value names; absent means {@link ListenerRole#CLIENT_HTTP}.
     * Empty for any other value: such a service is mounted nowhere.
     */
    public static Optional<ListenerRole> role(Object value) {
        if (value == null || CLIENT_HTTP.equals(value)) {
            return Optional.of(ListenerRole.CLIENT_HTTP);
        }
        return PEER.equals(value) ? Optional.of(ListenerRole.PEER) : Optional.empty();
    }
}
