package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsRole;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;

/**
 * Publishes the client role's {@link io.ketcd.api.transport.TlsPolicy} (service property {@code
 * ketcd.tls.role=client}) from the {@code io.ketcd.server} configuration, {@code ETCD_*} variables
 * overriding it. A configuration update publishes a new policy only when the role's TLS flags
 * changed (see {@link PolicyPublisher}); users that bind it re-open their listeners then.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class ClientTlsPolicyComponent {
    private final PolicyPublisher publisher;

    @Activate
    public ClientTlsPolicyComponent(BundleContext context, Map<String, Object> properties) {
        this(TlsPolicyComponents.publisher(context, TlsRole.CLIENT), properties);
    }

    ClientTlsPolicyComponent(PolicyPublisher publisher, Map<String, Object> properties) {
        this.publisher = publisher;
        publisher.publish(properties, System.getenv());
    }

    @Modified
    void modified(Map<String, Object> properties) {
        publisher.publish(properties, System.getenv());
    }

    @Deactivate
    void deactivate() {
        publisher.withdraw();
    }
}
