package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** What the two policy components share: their registration as {@link TlsPolicy} services. */
final class TlsPolicyComponents {
    private TlsPolicyComponents() {
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

    static PolicyPublisher publisher(BundleContext context, TlsRole role) {
        return new PolicyPublisher(role, registrar(context));
    }
}
