package io.ketcd.tls.internal;

import io.ketcd.api.config.ConfigurationRefusal;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;

import java.util.Hashtable;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;

/**
 * The one shape of the TLS policy components: publishes one role's {@link TlsPolicy} (service
 * property {@code ketcd.tls.role} = the role) from the {@code io.ketcd.server} configuration,
 * {@code ETCD_*} variables overriding it. A configuration update publishes a new policy only when
 * the role's TLS flags changed (see {@link PolicyPublisher}); users that bind it re-open their
 * listeners then. A role's policy fails on its own: a broken client certificate leaves the peer
 * policy published.
 *
 * <p>Each role is a subclass ({@link ClientTlsPolicyComponent}, {@link PeerTlsPolicyComponent})
 * only because a DS component is one annotated class: the subclass carries the {@code @Component}
 * and names its role, and everything else is here (bnd reads the lifecycle annotations of this
 * class through {@code -dsannotations-options: inherit}).
 */
abstract class TlsPolicyComponent {
    private static final Logger LOG = LoggerFactory.getLogger(TlsPolicyComponent.class);
    private final PolicyPublisher publisher;

    /**
     * Publishes the policy of {@code properties} for {@code role} through {@code registrar}.
     *
     * @throws IllegalArgumentException for invalid settings; the component does not activate
     * @throws IllegalStateException when the certificate or key files cannot be read (likewise)
     */
    TlsPolicyComponent(TlsRole role, PolicyPublisher.Registrar registrar, Map<String, Object> properties) {
        this.publisher = new PolicyPublisher(role, registrar);
        publisher.publish(properties, System.getenv());
    }

    /** Registers policies in {@code context} with {@link TlsPolicy#ROLE_PROPERTY} set to the role. */
    static PolicyPublisher.Registrar registrar(BundleContext context) {
        return (policy, role) -> {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(TlsPolicy.ROLE_PROPERTY, role.property());
            ServiceRegistration<TlsPolicy> registration = context.registerService(TlsPolicy.class, policy, properties);
            return () -> {
                try {
                    registration.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the bundle is stopping and the framework unregistered it already
                }
            };
        };
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            publisher.publish(properties, System.getenv());
        } catch (IllegalArgumentException e) {
            ConfigurationRefusal.log(LOG, "the TLS policy", e);
        }
    }

    @Deactivate
    void deactivate() {
        publisher.withdraw();
    }
}
