/**
 * The listener factory: {@link io.ketcd.transport.SocketListenerFactory} opens every socket
 * ketcd listens on, as etcd's {@code configurePeerListeners}/{@code configureClientListeners}
 * and {@code transport.NewListenerWithOpts} do. {@code http}/{@code https} URLs become TCP
 * server sockets, {@code unix}/{@code unixs} URLs Unix domain sockets; the TLS schemes need the
 * role's {@link io.ketcd.api.transport.TlsPolicy} to have a certificate, and the TLS handshake
 * itself is the serving server's. {@link io.ketcd.transport.TransportSettings} holds the socket
 * options ({@code socket-reuse-address}, {@code socket-reuse-port}).
 *
 * <p>The embedded launcher builds the factory directly; in OSGi it is published as {@link
 * io.ketcd.api.transport.ListenerFactory} by a component private to this bundle.
 */
@Export
@Version("0.1.0")
package io.ketcd.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
