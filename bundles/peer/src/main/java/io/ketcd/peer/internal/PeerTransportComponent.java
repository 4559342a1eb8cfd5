package io.ketcd.peer.internal;

import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.host.HandlerMounts;
import io.ketcd.peer.GrizzlyPeerTransportFactory;

import java.util.Map;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Publishes the Grizzly peer transport as {@link PeerTransportFactory}. Starts nothing: the
 * server calls {@link PeerTransportFactory#start} and closes the transport it gets. The
 * transports it starts also serve the HTTP handler whiteboard's peer-role handlers ({@link
 * HttpWhiteboard#PEER_FILTER}), mounted and unmounted live.
 */
@Component(service = PeerTransportFactory.class)
public final class PeerTransportComponent extends ForwardingFactory {
    private final HandlerMounts whiteboard;

    @Activate
    public PeerTransportComponent() {
        this(new HandlerMounts(HttpWhiteboard.PEER));
    }

    private PeerTransportComponent(HandlerMounts whiteboard) {
        super(new GrizzlyPeerTransportFactory(whiteboard));
        this.whiteboard = whiteboard;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = HttpWhiteboard.PEER_FILTER)
    void bindHandler(HttpHandler handler, Map<String, Object> properties) {
        whiteboard.mountService(handler, properties);
    }

    void updatedHandler(HttpHandler handler, Map<String, Object> properties) {
        whiteboard.updateService(handler, properties);
    }

    void unbindHandler(HttpHandler handler, Map<String, Object> properties) {
        whiteboard.unmountService(properties);
    }
}
