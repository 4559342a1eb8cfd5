package io.ketcd.http.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.http.HttpServer;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.http.HttpSettings;

import java.io.IOException;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the client HTTP endpoints of the member, through its {@link MaintenanceService} and
 * {@link KvService} facets, on the listeners the {@link ListenerFactory} opens for {@code
 * listen-client-http-urls}. A new listener factory re-activates this component, which re-opens
 * its listeners; a configuration update re-opens them only when {@link HttpSettings} changed.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class HttpServerComponent {
    private final MaintenanceService maintenance;
    private final KvService kv;
    private final ListenerFactory listenerFactory;
    private HttpSettings settings;
    private HttpServer http;

    @Activate
    public HttpServerComponent(Map<String, Object> properties, @Reference MaintenanceService maintenance,
                               @Reference KvService kv, @Reference ListenerFactory listenerFactory) throws IOException {
        this.maintenance = maintenance;
        this.kv = kv;
        this.listenerFactory = listenerFactory;
        this.settings = HttpSettings.from(properties, System.getenv());
        this.http = start(settings);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) throws IOException {
        HttpSettings next = HttpSettings.from(properties, System.getenv());
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

    /** HttpServer owns the listeners from here on, and closes them when it fails to start. */
    private HttpServer start(HttpSettings s) throws IOException {
        return HttpServer.start(maintenance, kv, listenerFactory.open(ListenerRole.CLIENT_HTTP, s.listenClientHttpUrls()));
    }
}
