package io.ketcd.api.transport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Every TLS decision for one {@link TlsRole}: the certificate a listener serves, the clients it
 * accepts, the versions and cipher suites, and for the peer role also how the member connects to
 * its peers. Registered as an OSGi service with {@link #ROLE_PROPERTY} set to {@link
 * TlsRole#property()}.
 *
 * <p>The contexts are long-lived: an implementation that re-reads rotated certificate files does
 * so behind them, so a server that built its TLS setup once serves the new certificate to the
 * next connection. Thread-safe.
 */
@ConsumerType
public interface TlsPolicy {

    /** Service property naming the policy's role: {@code client} or {@code peer}. */
    String ROLE_PROPERTY = "ketcd.tls.role";

    /** The role whose flags configure this policy. */
    TlsRole role();

    /**
     * Whether the policy has a certificate to serve ({@code cert-file} and {@code key-file}, or
     * {@code auto-tls}); an {@code https} or {@code unixs} URL cannot be served without one.
     */
    boolean isEnabled();

    /** Whether a listener of this role requires a client certificate ({@code client-cert-auth}). */
    boolean clientCertAuth();

    /**
     * The context for the server side of this role's connections.
     *
     * @throws IllegalStateException when the policy is not {@linkplain #isEnabled() enabled}
     */
    SSLContext serverContext();

    /** Versions, cipher suites and client authentication for the server side; a new copy per call. */
    SSLParameters serverParameters();

    /**
     * The context for connections this member opens in this role (peers dialing each other): it
     * presents the role's certificate, for mutual TLS, and trusts what the role trusts.
     *
     * @throws IllegalStateException when the policy is not {@linkplain #isEnabled() enabled}
     */
    SSLContext clientContext();

    /** Versions, cipher suites and server identity checks for outgoing connections; a new copy per call. */
    SSLParameters clientParameters();

    /** What is served now (the certificate of the moment, after any rotation). */
    TlsSummary summary();

    /**
     * A policy with no certificate: listeners of its role serve {@code http} and {@code unix}
     * only, and the member dials its peers without TLS. For launchers and tests without TLS flags.
     */
    static TlsPolicy disabled(TlsRole role) {
        return new DisabledTlsPolicy(role);
    }
}
