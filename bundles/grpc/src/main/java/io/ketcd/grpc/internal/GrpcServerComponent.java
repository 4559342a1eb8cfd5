package io.ketcd.grpc.internal;

import io.ketcd.grpc.GrpcServer;
import io.ketcd.server.EtcdServer;

import java.io.IOException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves etcd's client gRPC API for the {@link EtcdServer} service, on that server's
 * {@code listen-client-urls}. A new server (new configuration, new member) restarts this
 * component, and with it the listeners.
 */
@Component(service = {}, immediate = true)
public final class GrpcServerComponent {
    private final GrpcServer grpc;

    @Activate
    public GrpcServerComponent(@Reference EtcdServer server) throws IOException {
        this.grpc = GrpcServer.start(server);
    }

    @Deactivate
    void deactivate() {
        grpc.close();
    }
}
