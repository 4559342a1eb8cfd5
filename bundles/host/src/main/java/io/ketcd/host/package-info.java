/**
 * The Grizzly HTTP host of a ketcd member: {@link io.ketcd.host.GrizzlyListenerServer} serves one
 * Grizzly handler on one {@link io.ketcd.api.transport.Listener} (its own bound channel, with its
 * TLS policy and timeouts, Go's answers to bad input, Unix domain sockets through a relay). The
 * client HTTP endpoints ({@code io.ketcd.http}) and the peer transport ({@code io.ketcd.peer})
 * both serve on it; it knows nothing of the etcd server.
 */
@Export
@Version("0.1.0")
package io.ketcd.host;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
