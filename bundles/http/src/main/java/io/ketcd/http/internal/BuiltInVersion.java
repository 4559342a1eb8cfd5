package io.ketcd.http.internal;

import io.ketcd.api.http.HttpEndpoint;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.osgi.service.component.annotations.Component;

/** etcd's {@code /version} on the HTTP handler whiteboard, at ranking 0: a higher-ranked service replaces it. */
@Component(service = HttpHandler.class)
@HttpEndpoint(path = VersionHandler.PATH)
public final class BuiltInVersion extends HttpHandler {
    private final VersionHandler version = new VersionHandler();

    public BuiltInVersion() {
        super("ketcd-version");
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        version.service(request, response);
    }
}
