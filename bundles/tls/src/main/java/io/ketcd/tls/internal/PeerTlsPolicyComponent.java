package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TlsSettings;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The peer role's policy from the {@code io.ketcd.server} configuration ({@code peer-cert-file},
 * {@code peer-key-file}, ...), {@code ETCD_*} variables overriding it. A configuration change
 * re-creates the component, so users that bind it dynamically pick up the new contexts.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = TlsPolicy.class, property = TlsPolicy.ROLE_PROPERTY + "=peer")
public final class PeerTlsPolicyComponent extends ForwardingTlsPolicy {

    @Activate
    public PeerTlsPolicyComponent(Map<String, Object> properties) {
        super(new FileTlsPolicy(TlsSettings.from(TlsRole.PEER, properties, System.getenv())));
    }
}
