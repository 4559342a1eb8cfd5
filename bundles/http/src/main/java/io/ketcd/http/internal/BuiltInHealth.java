package io.ketcd.http.internal;

import io.ketcd.api.http.HttpEndpoint;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** etcd's {@code /health} on the HTTP handler whiteboard, at ranking 0: a higher-ranked service replaces it. */
@Component(service = HttpHandler.class)
@HttpEndpoint(path = HealthHandler.PATH)
public final class BuiltInHealth extends HttpHandler {
    private final HealthHandler health;

    @Activate
    public BuiltInHealth(@Reference MaintenanceService maintenance, @Reference KvService kv) {
        super("ketcd-health");
        this.health = new HealthHandler(maintenance, kv);
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        health.service(request, response);
    }
}
