package io.ketcd.grpc.internal;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.grpc.GrpcServer;
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
 * Serves etcd's client gRPC API for the {@link EtcdServer} service on listeners the {@link
 * ListenerFactory} opens for {@code listen-client-urls}. A new server or a new listener factory
 * (a new TLS policy brings one) restarts this component and with it the listeners; a
 * configuration update re-opens them only when {@code listen-client-urls} changed. The
 * member's raft and data are not involved either way.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class GrpcServerComponent {
    private final EtcdServer server;
    private final ListenerFactory listeners;
    private List<URI> urls;
    private GrpcServer grpc;

    @Activate
    public GrpcServerComponent(Map<String, Object> properties, @Reference EtcdServer server,
                               @Reference ListenerFactory listeners) throws IOException {
        this.server = server;
        this.listeners = listeners;
        this.urls = urls(properties);
        this.grpc = GrpcServer.start(server, listeners.open(ListenerRole.CLIENT, urls));
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) throws IOException {
        List<URI> next = urls(properties);
        if (next.equals(urls)) {
            return;
        }
        grpc.close();
        urls = next;
        grpc = GrpcServer.start(server, listeners.open(ListenerRole.CLIENT, next));
    }

    @Deactivate
    synchronized void deactivate() {
        grpc.close();
    }

    private static List<URI> urls(Map<String, Object> properties) {
        return ServerConfig.from(properties, System.getenv()).listenClientUrls();
    }
}
