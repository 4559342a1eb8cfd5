package io.ketcd.http.internal;

import io.ketcd.host.GoHttp;
import io.ketcd.api.EtcdVersion;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * etcd's {@code GET /version}: {@code {"etcdserver":"3.4.23","etcdcluster":"3.4.0"}} as
 * application/json with no trailing newline. The cluster version is what etcd reports once the
 * cluster version is decided: the lowest member version cut to major.minor.0; every ketcd member
 * runs the same version, so it is {@link EtcdVersion#CLUSTER}.
 */
public final class VersionHandler extends HttpHandler {
    public static final String PATH = "/version";

    static final String BODY = "{\"etcdserver\":\"" + EtcdVersion.SERVER
            + "\",\"etcdcluster\":\"" + EtcdVersion.CLUSTER + "\"}";

    @Override
    public void service(Request request, Response response) throws Exception {
        if (!Method.GET.equals(request.getMethod())) {
            GoHttp.methodNotAllowed(response, "GET");
            return;
        }
        GoHttp.write(response, HttpStatus.OK_200, GoHttp.JSON, BODY);
    }
}
