package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TlsSettings;

import java.util.Map;
import java.util.Objects;

/**
 * Keeps one role's {@link TlsPolicy} published for the settings of the moment, and publishes a
 * new one only when the role's TLS settings change. Every component of a node reads the same
 * {@code io.ketcd.server} configuration, so most updates (another role's flags, a member setting,
 * Karaf writing the file back unchanged) leave this role as it is; re-publishing the policy for
 * them would make the listener factory and every listener re-open for nothing.
 */
final class PolicyPublisher {

    /** Publishes a policy and returns what withdraws it. */
    interface Registrar {
        Runnable register(TlsPolicy policy, TlsRole role);
    }

    private final TlsRole role;
    private final Registrar registrar;
    private TlsSettings published;
    private TlsPolicy policy;
    private Runnable withdraw;

    PolicyPublisher(TlsRole role, Registrar registrar) {
        this.role = Objects.requireNonNull(role, "role");
        this.registrar = Objects.requireNonNull(registrar, "registrar");
    }

    /**
     * Publishes the policy of {@code properties} unless it is the one already published.
     *
     * @throws IllegalArgumentException for invalid settings (the policy published before stays)
     * @throws IllegalStateException when the certificate or key files cannot be read (likewise)
     */
    synchronized void publish(Map<String, ?> properties, Map<String, String> environment) {
        TlsSettings next = TlsSettings.from(role, properties, environment);
        if (next.equals(published)) {
            return;
        }
        FileTlsPolicy built = new FileTlsPolicy(next);
        withdraw();
        published = next;
        policy = built;
        withdraw = registrar.register(built, role);
    }

    /** The policy published now; null before the first and after {@link #withdraw()}. */
    synchronized TlsPolicy policy() {
        return policy;
    }

    synchronized void withdraw() {
        if (withdraw != null) {
            withdraw.run();
            withdraw = null;
        }
        published = null;
        policy = null;
    }
}
