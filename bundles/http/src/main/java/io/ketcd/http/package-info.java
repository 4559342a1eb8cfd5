/**
 * etcd's client HTTP endpoints of a ketcd member: {@link io.ketcd.http.HttpServer} serves
 * {@code /health} and {@code /version} on the {@code listen-client-http-urls} listeners, each
 * through the Grizzly host ({@link io.ketcd.host.GrizzlyListenerServer}), and hosts further
 * Grizzly handlers by path.
 */
@Export
@Version("0.3.0")
package io.ketcd.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
