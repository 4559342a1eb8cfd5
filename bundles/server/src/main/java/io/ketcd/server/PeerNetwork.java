package io.ketcd.server;

import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsPolicy;

import java.util.Objects;

/**
 * How a member reaches its peers and they reach it: the raft transport, the factory that opens
 * its {@code listen-peer-urls}, and the peer TLS policy its outgoing connections use.
 *
 * @param listeners null only while no factory is available (an OSGi container still starting
 *     one): the member then starts without peer listeners, and {@link
 *     KetcdServer#replacePeerNetwork} opens them once a factory arrives
 */
public record PeerNetwork(PeerTransportFactory transports, ListenerFactory listeners, TlsPolicy tls) {

    public PeerNetwork {
        Objects.requireNonNull(transports, "transports");
        Objects.requireNonNull(tls, "tls");
    }
}
