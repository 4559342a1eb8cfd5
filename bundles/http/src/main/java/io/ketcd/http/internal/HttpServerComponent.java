package io.ketcd.http.internal;

import io.ketcd.http.HttpServer;
import io.ketcd.server.EtcdServer;

import java.io.IOException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the client HTTP endpoints of the member published as {@link EtcdServer}. A new server
 * (new configuration, new member) re-activates this component, which re-binds its listeners.
 */
@Component(service = {})
public final class HttpServerComponent {
    private final HttpServer http;

    @Activate
    public HttpServerComponent(@Reference EtcdServer server) throws IOException {
        this.http = HttpServer.start(server);
    }

    @Deactivate
    void deactivate() {
        http.close();
    }
}
