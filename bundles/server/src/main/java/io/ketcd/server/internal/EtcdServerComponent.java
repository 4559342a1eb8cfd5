package io.ketcd.server.internal;

import io.ketcd.api.config.ConfigurationRefusal;
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
 * raft core drives the running member's raft from then on ({@link KetcdServer#replaceRaftCore}),
 * and a core that goes away pauses the member's raft until the next ({@link
 * KetcdServer#releaseRaftCore}); replacing the factory or the policy (a
 * new TLS configuration, a bundle update of bundles/transport or bundles/tls) re-opens the peer
 * listeners and restarts the peer transport, while raft and data stay as they are. A
 * configuration change that only touches other components' keys (client listen URLs, TLS,
 * sockets) leaves the member running, one of the keys it follows live is applied in place, and
 * any other change restarts the member inside the same object; an invalid value is refused.
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
    /** Set on activation; the member starts then, or when the first raft core is bound after it. */
    private BundleContext context;
    private ServerConfig config;
    private volatile KetcdServer server;
    private ServiceRegistration<?> registration;
    private ServiceRegistration<?> authRegistration;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            this.context = context;
            this.config = ServerConfig.from(properties, System.getenv());
            if (raftCore != null) {
                startMember();
            } else {
                LOG.info("the member starts once a raft core service is available");
            }
        }
    }

    /** Starts the member and publishes its facets; the caller holds {@link #lifecycle}. */
    private void startMember() throws IOException {
        server = KetcdServer.start(config, raftCore, new PeerNetwork(transports, listeners, currentPeerTls()));
        registration = context.registerService(FACETS, server, null);
        authRegistration = context.registerService(AuthService.class, server.auth(), null);
    }

    /**
     * A new configuration: refused as a whole, with etcd's message, when a value is invalid (the
     * member runs on as before); otherwise the member follows it, in place or by restarting
     * ({@link KetcdServer#configure}). TLS, socket and client URL keys are not the member's:
     * their own components follow them.
     */
    @Modified
    void modified(Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            ServerConfig next;
            try {
                next = ServerConfig.from(properties, System.getenv());
            } catch (IllegalArgumentException e) {
                ConfigurationRefusal.log(LOG, "the member", e);
                return;
            }
            config = next;
            if (server != null) {
                server.configure(next);
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lifecycle) {
            if (server != null) {
                authRegistration.unregister();
                registration.unregister();
                server.close();
                server = null;
            }
        }
    }

    /**
     * The raft core is swapped under the running member: a new core service (a higher-ranked
     * implementation, or the one left when such a one goes) is bound before the old one goes, and
     * the member's raft loop carries on with a node of the new core. A core that goes with no
     * replacement (a bundle update of bundles/raft, between its stop and its start) leaves the
     * member running with its raft paused ({@link KetcdServer#releaseRaftCore}) rather than
     * stopping it; the first core at all starts the member.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRaftCore(RaftCore core) throws IOException {
        synchronized (lifecycle) {
            raftCore = core;
            if (server != null) {
                server.replaceRaftCore(core);
            } else if (context != null) {
                startMember();
            }
        }
    }

    void unbindRaftCore(RaftCore core) {
        synchronized (lifecycle) {
            if (raftCore != core) {
                return; // a replacement was bound first and drives the member already
            }
            raftCore = null;
            if (server != null) {
                server.releaseRaftCore();
            }
        }
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
