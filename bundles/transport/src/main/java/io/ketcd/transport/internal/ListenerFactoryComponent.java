package io.ketcd.transport.internal;

import io.ketcd.api.config.ConfigurationRefusal;
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
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link SocketListenerFactory} built from the {@code io.ketcd.server} configuration
 * (the {@code socket-reuse-*} keys, overridden by {@code ETCD_*} variables) and the two TLS
 * policies. A new policy re-creates the factory (its users re-open their listeners). A
 * configuration update does not: it applies new socket options to the listeners opened from then
 * on, so the many updates that do not concern listeners (other components' keys, Karaf writing
 * the file back) re-open nothing. On deactivation it closes any listener its users left open.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = ListenerFactory.class)
public final class ListenerFactoryComponent implements ListenerFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerFactoryComponent.class);
    private final SocketListenerFactory factory;

    @Activate
    public ListenerFactoryComponent(
            Map<String, Object> properties,
            @Reference(name = "clientTls", target = "(" + TlsPolicy.ROLE_PROPERTY + "=client)") TlsPolicy clientTls,
            @Reference(name = "peerTls", target = "(" + TlsPolicy.ROLE_PROPERTY + "=peer)") TlsPolicy peerTls) {
        this.factory = new SocketListenerFactory(TransportSettings.from(properties, System.getenv()), clientTls, peerTls);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        TransportSettings next;
        try {
            next = TransportSettings.from(properties, System.getenv());
        } catch (IllegalArgumentException e) {
            ConfigurationRefusal.log(LOG, "the listener factory", e);
            return;
        }
        if (!next.equals(factory.settings())) {
            LOG.info("socket options {} apply to the listeners opened from now on", next);
            factory.useSettings(next);
        }
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
