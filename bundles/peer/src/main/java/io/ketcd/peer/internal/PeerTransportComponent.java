package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.peer.GrizzlyPeerTransportFactory;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Publishes the Grizzly peer transport as {@link PeerTransportFactory}. Starts nothing: the
 * server calls {@link PeerTransportFactory#start} and closes the transport it gets.
 */
@Component(service = PeerTransportFactory.class)
public final class PeerTransportComponent extends ForwardingFactory {
    @Activate
    public PeerTransportComponent() {
        super(new GrizzlyPeerTransportFactory());
    }
}
