package io.ketcd.transport.internal;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Publishes a {@link SocketListenerFactory} built from the {@code io.ketcd.server} configuration
 * (the {@code socket-reuse-*} keys, overridden by {@code ETCD_*} variables) and the two TLS
 * policies. A new configuration or policy re-creates the factory; on deactivation it closes any
 * listener its users left open.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = ListenerFactory.class)
public final class ListenerFactoryComponent implements ListenerFactory {
    private final SocketListenerFactory factory;

    @Activate
    public ListenerFactoryComponent(
            Map<String, Object> properties,
            @Reference(name = "clientTls", target = "(" + TlsPolicy.ROLE_PROPERTY + "=client)") TlsPolicy clientTls,
            @Reference(name = "peerTls", target = "(" + TlsPolicy.ROLE_PROPERTY + "=peer)") TlsPolicy peerTls) {
        this.factory = new SocketListenerFactory(TransportSettings.from(properties, System.getenv()), clientTls, peerTls);
    }

    @Deactivate
    void deactivate() {
        factory.close();
    }

    @Override
    public List<Listener> open(ListenerRole role, List<URI> urls) throws IOException {
        return factory.open(role, urls);
    }

    @Override
    public List<Listener> openListeners() {
        return factory.openListeners();
    }
}
