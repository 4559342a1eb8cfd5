package io.ketcd.server.internal;

import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.service.AuthService;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.LeaseService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.api.service.WatchService;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.PeerNetwork;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one member from the {@code io.ketcd.server} configuration (etc/io.ketcd.server.cfg in
 * Karaf, overridden by {@code ETCD_*} environment variables) and publishes it, one {@link
 * KetcdServer} object, as etcd's service facets: {@link KvService}, {@link ClusterService},
 * {@link MaintenanceService}, {@link WatchService} and {@link LeaseService}. The object stays
 * registered while the member inside it restarts.
 *
 * <p>The raft core, the listener factory and the peer TLS policy are dynamic references. A new
 * raft core drives the running member's raft from then on ({@link KetcdServer#replaceRaftCore});
 * replacing the factory or the policy (a
 * new TLS configuration, a bundle update of bundles/transport or bundles/tls) re-opens the peer
 * listeners and restarts the peer transport, while raft and data stay as they are. A
 * configuration change that only touches other components' keys (client listen URLs, TLS,
 * sockets) leaves the member running; any other change restarts the member inside the same
 * object.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
// registered by hand (one object under several interfaces), so bnd cannot see the services: say so,
// or Karaf's resolver refuses the bundles that require them
@Capability(namespace = "osgi.service", uses = KvService.class, attribute = "objectClass:List<String>=\""
        + "io.ketcd.api.service.KvService,io.ketcd.api.service.ClusterService,io.ketcd.api.service.MaintenanceService,"
        + "io.ketcd.api.service.WatchService,io.ketcd.api.service.LeaseService\"")
@Capability(namespace = "osgi.service", uses = AuthService.class,
        attribute = "objectClass:List<String>=\"io.ketcd.api.service.AuthService\"")
public final class EtcdServerComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdServerComponent.class);
    private static final String[] FACETS = {
            KvService.class.getName(), ClusterService.class.getName(), MaintenanceService.class.getName(),
            WatchService.class.getName(), LeaseService.class.getName()};

    private volatile RaftCore raftCore;
    @Reference
    private PeerTransportFactory transports;
    private volatile ListenerFactory listeners;
    private volatile TlsPolicy peerTls;
    private final Object lifecycle = new Object();
    private volatile KetcdServer server;
    private ServiceRegistration<?> registration;
    private ServiceRegistration<?> authRegistration;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            server = KetcdServer.start(ServerConfig.from(properties, System.getenv()), raftCore,
                    new PeerNetwork(transports, listeners, currentPeerTls()));
            registration = context.registerService(FACETS, server, null);
            authRegistration = context.registerService(AuthService.class, server.auth(), null);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            ServerConfig next = ServerConfig.from(properties, System.getenv());
            if (next.equals(server.config())) {
                return; // TLS, socket or client URL changes: their own components follow them
            }
            LOG.info("the member's configuration changed: restarting it");
            server.reconfigure(next);
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lifecycle) {
            authRegistration.unregister();
            registration.unregister();
            server.close();
        }
    }

    /**
     * The raft core is swapped under the running member: a new core service (a bundle update of
     * bundles/raft, or another implementation) is bound before the old one goes, and the
     * member's raft loop carries on with a node of the new core.
     */
    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindRaftCore(RaftCore core) {
        synchronized (lifecycle) {
            raftCore = core;
            KetcdServer running = server;
            if (running != null) {
                running.replaceRaftCore(core);
            }
        }
    }

    void unbindRaftCore(RaftCore core) {
        // a replacement is bound first; without one the component is deactivated and the member closes
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindListenerFactory(ListenerFactory factory) {
        listeners = factory;
        peerNetworkChanged();
    }

    void unbindListenerFactory(ListenerFactory factory) {
        if (listeners == factory) {
            listeners = null;
            peerNetworkChanged();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TlsPolicy.ROLE_PROPERTY + "=peer)")
    void bindPeerTls(TlsPolicy policy) {
        peerTls = policy;
        peerNetworkChanged();
    }

    void unbindPeerTls(TlsPolicy policy) {
        if (peerTls == policy) {
            peerTls = null;
            peerNetworkChanged();
        }
    }

    /** Dynamic references are bound before activation too: only a running member is told. */
    private void peerNetworkChanged() {
        synchronized (lifecycle) {
            KetcdServer running = server;
            if (running != null) {
                running.replacePeerNetwork(listeners, currentPeerTls());
            }
        }
    }

    private TlsPolicy currentPeerTls() {
        TlsPolicy p = peerTls;
        return p != null ? p : TlsPolicy.disabled(TlsRole.PEER);
    }
}
