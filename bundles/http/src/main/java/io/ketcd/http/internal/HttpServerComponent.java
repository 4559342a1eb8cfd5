package io.ketcd.http.internal;

import io.ketcd.api.config.ConfigurationRefusal;
import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.host.HandlerMounts;
import io.ketcd.http.HttpServer;
import io.ketcd.http.HttpSettings;

import java.io.IOException;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The client HTTP host in Karaf: serves every handler of the HTTP handler whiteboard for the
 * client HTTP role ({@link HttpWhiteboard#CLIENT_HTTP_FILTER}; ketcd's own {@code /health} and
 * {@code /version} among them) on the listeners the {@link ListenerFactory} opens for {@code
 * listen-client-http-urls}. Handlers are mounted and unmounted live, the listeners untouched. A
 * new listener factory re-activates this component, which re-opens its listeners; a
 * configuration update re-opens them only when {@link HttpSettings} changed.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class HttpServerComponent {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServerComponent.class);
    private final ListenerFactory listenerFactory;
    private final HandlerMounts mounts = new HandlerMounts(HttpWhiteboard.CLIENT_HTTP);
    private HttpSettings settings;
    private HttpServer http;

    @Activate
    public HttpServerComponent(Map<String, Object> properties, @Reference ListenerFactory listenerFactory) throws IOException {
        this.listenerFactory = listenerFactory;
        this.settings = HttpSettings.from(properties, System.getenv());
        this.http = start(settings);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) throws IOException {
        HttpSettings next;
        try {
            next = HttpSettings.from(properties, System.getenv());
        } catch (IllegalArgumentException e) {
            ConfigurationRefusal.log(LOG, "the client HTTP server", e);
            return;
        }
        if (next.equals(settings)) {
            return;
        }
        http.close();
        settings = next;
        http = start(next);
    }

    @Deactivate
    synchronized void deactivate() {
        http.close();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = HttpWhiteboard.CLIENT_HTTP_FILTER)
    void bindHandler(HttpHandler handler, Map<String, Object> properties) {
        mounts.mountService(handler, properties);
    }

    void updatedHandler(HttpHandler handler, Map<String, Object> properties) {
        mounts.updateService(handler, properties);
    }

    void unbindHandler(HttpHandler handler, Map<String, Object> properties) {
        mounts.unmountService(properties);
    }

    /** HttpServer owns the listeners from here on, and closes them when it fails to start. */
    private HttpServer start(HttpSettings s) throws IOException {
        return HttpServer.start(mounts, listenerFactory.open(ListenerRole.CLIENT_HTTP, s.listenClientHttpUrls()));
    }
}
