package io.ketcd.grpc.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.grpc.GrpcServer;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves etcd's client gRPC API for the {@link EtcdServer} service on listeners the {@link
 * ListenerFactory} opens for {@code listen-client-urls}. A configuration change (the URLs, TLS),
 * a new listener factory (which a new TLS policy brings too) or a new server restarts this
 * component and with it the listeners; the member's raft and data are not involved.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class GrpcServerComponent {
    private final GrpcServer grpc;

    @Activate
    public GrpcServerComponent(Map<String, Object> properties, @Reference EtcdServer server,
                               @Reference ListenerFactory listeners) throws IOException {
        ServerConfig config = ServerConfig.from(properties, System.getenv());
        this.grpc = GrpcServer.start(server, listeners.open(ListenerRole.CLIENT, config.listenClientUrls()));
    }

    @Deactivate
    void deactivate() {
        grpc.close();
    }
}
