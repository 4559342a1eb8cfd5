package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsRole;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The client role's {@link TlsPolicyComponent}: publishes the policy with {@code ketcd.tls.role=client}. */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class ClientTlsPolicyComponent extends TlsPolicyComponent {

    @Activate
    public ClientTlsPolicyComponent(BundleContext context, Map<String, Object> properties) {
        this(registrar(context), properties);
    }

    ClientTlsPolicyComponent(PolicyPublisher.Registrar registrar, Map<String, Object> properties) {
        super(TlsRole.CLIENT, registrar, properties);
    }
}
