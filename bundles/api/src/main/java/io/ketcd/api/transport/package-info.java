/**
 * The transport platform: every socket ketcd listens on comes from the {@link
 * io.ketcd.api.transport.ListenerFactory} service, and every TLS decision from a {@link
 * io.ketcd.api.transport.TlsPolicy} service (one per {@link io.ketcd.api.transport.TlsRole}).
 * {@code bundles/transport} and {@code bundles/tls} provide them; an integrator may replace either
 * in a running node, and the servers that use them (gRPC, client HTTP, the peer transport)
 * re-open their listeners without touching raft or data.
 */
@Export
@Version("0.1.0")
package io.ketcd.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
