package io.ketcd.examples.hello;

import io.ketcd.api.http.HttpEndpoint;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.ResponseHeader;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /example/hello} on a member's client HTTP listeners: a greeting with the member's id
 * and current revision, read through the Maintenance facet as etcdctl's {@code endpoint status}
 * reads them. The whole of a handler bundle: one DS component that is an {@link HttpHandler}
 * service with {@link HttpEndpoint} properties; the member's HTTP host mounts it when it is
 * registered and unmounts it when the bundle goes.
 */
@Component(service = HttpHandler.class)
@HttpEndpoint(path = "/example/hello")
public final class HelloHandler extends HttpHandler {
    private final MaintenanceService maintenance;

    @Activate
    public HelloHandler(@Reference MaintenanceService maintenance) {
        super("example-hello");
        this.maintenance = maintenance;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (!Method.GET.equals(request.getMethod())) {
            response.setHeader("Allow", "GET");
            write(response, HttpStatus.METHOD_NOT_ALLOWED_405, "Method Not Allowed\n");
            return;
        }
        // a serializable status: answered by this member alone, within a second or not at all
        ResponseHeader header = maintenance.status().get(1, TimeUnit.SECONDS).getHeader();
        write(response, HttpStatus.OK_200, String.format("hello from member %x at revision %d%n",
                header.getMemberId(), header.getRevision()));
    }

    private static void write(Response response, HttpStatus status, String text) throws Exception {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
