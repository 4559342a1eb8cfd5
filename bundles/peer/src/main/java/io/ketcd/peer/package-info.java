/**
 * The peer transport on Grizzly and the JDK's HTTP client: {@link
 * io.ketcd.peer.GrizzlyPeerTransportFactory} provides {@link io.ketcd.api.peer.PeerTransportFactory}
 * for the embedded launcher; in OSGi the same factory is published as a service.
 */
@Export
@Version("0.2.0")
package io.ketcd.peer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
