/**
 * The Grizzly HTTP host of a ketcd member. {@link io.ketcd.http.GrizzlyListenerServer} serves a
 * Grizzly handler on one {@link io.ketcd.api.transport.Listener} (its own bound channel, with its
 * TLS policy and timeouts); the peer transport uses it for the peer endpoints. {@link
 * io.ketcd.http.HttpServer} serves etcd's client HTTP endpoints ({@code /health}, {@code
 * /version}) on the {@code listen-client-http-urls} listeners and hosts further Grizzly handlers
 * by path.
 */
@Export
@Version("0.2.0")
package io.ketcd.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
