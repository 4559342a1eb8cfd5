package io.ketcd.http.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.http.HttpServer;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the client HTTP endpoints of the member published as {@link EtcdServer} on the
 * listeners the {@link ListenerFactory} opens for {@code listen-client-http-urls}, read from the
 * configuration itself: a configuration change re-activates this component with the new URLs
 * whatever order the other components see the change in. A new server or a new listener factory
 * re-activates it too, which re-opens its listeners.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class HttpServerComponent {
    private final HttpServer http;

    @Activate
    public HttpServerComponent(Map<String, Object> properties, @Reference EtcdServer server,
                               @Reference ListenerFactory listenerFactory) throws IOException {
        ServerConfig config = ServerConfig.from(properties, System.getenv());
        // HttpServer owns the listeners from here on, and closes them when it fails to start
        this.http = HttpServer.start(server,
                listenerFactory.open(ListenerRole.CLIENT_HTTP, config.listenClientHttpUrls()));
    }

    @Deactivate
    void deactivate() {
        http.close();
    }
}
