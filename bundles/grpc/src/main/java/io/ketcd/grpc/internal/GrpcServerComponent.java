package io.ketcd.grpc.internal;

import io.ketcd.api.config.ConfigurationRefusal;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.service.AuthService;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.LockService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchService;
import io.ketcd.grpc.ClientServices;
import io.ketcd.grpc.GrpcServer;
import io.ketcd.grpc.GrpcSettings;

import java.io.IOException;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves etcd's client gRPC API for the member's facets ({@link KvService}, {@link ClusterService},
 * {@link MaintenanceService}, {@link WatchService}, {@link LeaseService}) and the {@link LockService}
 * and {@link ElectionService} built on them, on listeners the {@link ListenerFactory} opens for {@code
 * listen-client-urls}. A new listener factory (a new TLS policy brings one) restarts this
 * component and with it the listeners; a configuration update re-opens them only when its
 * {@link GrpcSettings} changed. The member's raft and data are not involved either way.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class GrpcServerComponent {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcServerComponent.class);
    private final ClientServices services;
    private final ListenerFactory listeners;
    private GrpcSettings settings;
    private GrpcServer grpc;

    @Activate
    public GrpcServerComponent(Map<String, Object> properties, @Reference KvService kv, @Reference ClusterService cluster,
                               @Reference MaintenanceService maintenance, @Reference WatchService watch,
                               @Reference LeaseService lease, @Reference LockService lock,
                               @Reference ElectionService election, @Reference AuthService auth,
                               @Reference ListenerFactory listeners) throws IOException {
        this.services = new ClientServices(kv, cluster, maintenance, watch, lease, lock, election, auth);
        this.listeners = listeners;
        this.settings = GrpcSettings.from(properties, System.getenv());
        this.grpc = start(settings);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) throws IOException {
        GrpcSettings next;
        try {
            next = GrpcSettings.from(properties, System.getenv());
        } catch (IllegalArgumentException e) {
            ConfigurationRefusal.log(LOG, "the gRPC server", e);
            return;
        }
        if (next.equals(settings)) {
            return;
        }
        grpc.close();
        settings = next;
        grpc = start(next);
    }

    @Deactivate
    synchronized void deactivate() {
        grpc.close();
    }

    private GrpcServer start(GrpcSettings s) throws IOException {
        return GrpcServer.start(services, s, listeners.open(ListenerRole.CLIENT, s.listenClientUrls()));
    }
}
