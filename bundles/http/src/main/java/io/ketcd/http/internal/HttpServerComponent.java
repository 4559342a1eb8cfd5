package io.ketcd.http.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.http.HttpServer;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

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

/**
 * Serves the client HTTP endpoints of the member published as {@link EtcdServer} on the
 * listeners the {@link ListenerFactory} opens for {@code listen-client-http-urls}. A new server
 * or a new listener factory re-activates this component, which re-opens its listeners; a
 * configuration update re-opens them only when {@code listen-client-http-urls} changed.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class HttpServerComponent {
    private final EtcdServer server;
    private final ListenerFactory listenerFactory;
    private List<URI> urls;
    private HttpServer http;

    @Activate
    public HttpServerComponent(Map<String, Object> properties, @Reference EtcdServer server,
                               @Reference ListenerFactory listenerFactory) throws IOException {
        this.server = server;
        this.listenerFactory = listenerFactory;
        this.urls = urls(properties);
        // HttpServer owns the listeners from here on, and closes them when it fails to start
        this.http = HttpServer.start(server, listenerFactory.open(ListenerRole.CLIENT_HTTP, urls));
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) throws IOException {
        List<URI> next = urls(properties);
        if (next.equals(urls)) {
            return;
        }
        http.close();
        urls = next;
        http = HttpServer.start(server, listenerFactory.open(ListenerRole.CLIENT_HTTP, next));
    }

    @Deactivate
    synchronized void deactivate() {
        http.close();
    }

    private static List<URI> urls(Map<String, Object> properties) {
        return ServerConfig.from(properties, System.getenv()).listenClientHttpUrls();
    }
}
