package io.ketcd.http.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.http.HttpServer;
import io.ketcd.server.EtcdServer;

import java.io.IOException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the client HTTP endpoints of the member published as {@link EtcdServer} on the
 * listeners the {@link ListenerFactory} opens for {@code listen-client-http-urls}. A new server
 * (new configuration, new member) or a new listener factory re-activates this component, which
 * re-opens its listeners.
 */
@Component(service = {})
public final class HttpServerComponent {
    private final HttpServer http;

    @Activate
    public HttpServerComponent(@Reference EtcdServer server, @Reference ListenerFactory listenerFactory) throws IOException {
        // HttpServer owns the listeners from here on, and closes them when it fails to start
        this.http = HttpServer.start(server,
                listenerFactory.open(ListenerRole.CLIENT_HTTP, server.config().listenClientHttpUrls()));
    }

    @Deactivate
    void deactivate() {
        http.close();
    }
}
