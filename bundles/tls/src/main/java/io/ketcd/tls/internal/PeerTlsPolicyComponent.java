package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsRole;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The peer role's {@link TlsPolicyComponent}: publishes the policy with {@code ketcd.tls.role=peer}. */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
public final class PeerTlsPolicyComponent extends TlsPolicyComponent {

    @Activate
    public PeerTlsPolicyComponent(BundleContext context, Map<String, Object> properties) {
        this(registrar(context), properties);
    }

    PeerTlsPolicyComponent(PolicyPublisher.Registrar registrar, Map<String, Object> properties) {
        super(TlsRole.PEER, registrar, properties);
    }
}
