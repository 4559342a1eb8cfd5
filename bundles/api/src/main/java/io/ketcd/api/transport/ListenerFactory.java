package io.ketcd.api.transport;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens every socket ketcd listens on (etcd's {@code transport.NewListenerWithOpts} and the
 * {@code configure*Listeners} functions around it): the URL's scheme decides TCP or Unix domain
 * socket and whether the role's {@link TlsPolicy} applies; socket options and timeouts come from
 * the factory's configuration. Thread-safe.
 */
@ConsumerType
public interface ListenerFactory {

    /**
     * Opens one listener per URL of {@code urls}, all or none: when one cannot be opened, the
     * ones opened before it are closed again before the exception is thrown, so no port leaks.
     *
     * @throws IOException when a socket cannot be bound (the message names the URL), or the
     *     process's file-descriptor limit is too low to serve clients
     * @throws IllegalArgumentException for a scheme other than {@code http}, {@code https},
     *     {@code unix} or {@code unixs}, or a TLS scheme while the role's policy has no certificate
     */
    List<Listener> open(ListenerRole role, List<URI> urls) throws IOException;

    /** Every listener this factory opened that is not closed yet, in the order they were opened. */
    List<Listener> openListeners();
}
