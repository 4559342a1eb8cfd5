package io.ketcd.tls;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;
import io.ketcd.tls.internal.EnabledTlsPolicy;
import io.ketcd.tls.internal.SelfSignedCertificate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TlsPolicy} of one role from etcd's TLS flags ({@link TlsSettings}), its certificate
 * from {@code cert-file}/{@code key-file} or, without them, from auto-tls.
 *
 * <ul>
 *   <li>The contexts are built once. The certificate and key, the trusted CA bundle and the CRL
 *       are re-read when their files change (checked on each new connection and handshake), so a
 *       rotated certificate is served to the next connection and a new CRL or CA bundle applies
 *       to the next connection of every client, resumed or not (see below); a broken version
 *       keeps the last good one in force and is logged once.
 *   <li>A server of the role requires a client certificate chaining to {@code trusted-ca-file}
 *       when {@code client-cert-auth} is set or, as in etcd, when a trusted CA file is given; a
 *       certificate whose serial the CRL lists is refused. For peers, {@code
 *       peer-cert-allowed-cn}/{@code -hostname} restrict the other member's certificate, in both
 *       directions as in etcd. Refusals are logged once per distinct reason.
 *   <li>Dialing ({@link #clientContext()}) presents the role's certificate and trusts the CA
 *       file, or the JDK's CAs without one, checking the host name ({@code HTTPS} endpoint
 *       identification); with auto-tls it checks neither (etcd's {@code InsecureSkipVerify}).
 *   <li>Without a certificate the policy behaves as {@link TlsPolicy#disabled(TlsRole)}.
 * </ul>
 *
 * <p>Sessions and revocation: the JDK resumes a TLS session (from the server's session cache,
 * or with a TLS 1.2 ticket or TLS 1.3 pre-shared key, which a JDK 17 server issues by default)
 * without calling the trust manager, where the CA, CRL and peer identity checks run. So that a
 * new CRL or CA bundle applies to every client, as etcd checks the CRL on every connection, the
 * contexts returned are long-lived facades over an inner context that is replaced, with an empty
 * session cache and new ticket keys, as soon as a new connection finds the CA or CRL file
 * changed (and loadable): the sessions established before the change end, and their clients'
 * next connections handshake in full and are checked. Connections already open are not closed.
 * The allowed CN and hostname are fixed for the policy's lifetime (a new configuration builds a
 * new policy). A rotated certificate of the policy's own is served to new handshakes and keeps
 * the sessions. The facades hand out engines, sockets and server sockets whose accepted
 * connections follow the current inner context; {@link SSLContext#init} on them is refused.
 * Each new connection stats the CA and CRL files (no reads unless they changed). Thread-safe.
 */
public final class FileTlsPolicy implements TlsPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(FileTlsPolicy.class);

    private final TlsSettings settings;
    private final TlsPolicy delegate;

    /**
     * Loads the role's files, generating the auto-tls certificate first if it is asked for and
     * missing.
     *
     * @throws IllegalArgumentException when a file cannot be loaded (the message names it), or a
     *     cipher suite is not supported by this JVM
     * @throws UncheckedIOException when the auto-tls certificate cannot be written
     */
    public FileTlsPolicy(TlsSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** As {@link #FileTlsPolicy(TlsSettings)}, with the clock that dates a new auto-tls certificate. */
    public FileTlsPolicy(TlsSettings settings, Clock clock) {
        this.settings = settings;
        String prefix = settings.role() == TlsRole.PEER ? "peer-" : "";
        if (settings.autoTls() && settings.hasCertificateFiles()) {
            LOG.warn("ignoring {}auto-tls since {}cert-file and {}key-file are given", prefix, prefix, prefix);
        }
        if (settings.hasCertificateFiles()) {
            this.delegate = new EnabledTlsPolicy(settings, settings.certFile().orElseThrow(),
                    settings.keyFile().orElseThrow(), false);
        } else if (settings.usesAutoTls()) {
            SelfSignedCertificate.CertificateFiles files;
            try {
                files = SelfSignedCertificate.ensure(settings.autoTlsDir(), settings.autoTlsHosts(),
                        settings.selfSignedCertValidityYears(), clock);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.delegate = new EnabledTlsPolicy(settings, files.certFile(), files.keyFile(), true);
        } else {
            this.delegate = TlsPolicy.disabled(settings.role());
        }
    }

    /** The settings the policy was built from. */
    public TlsSettings settings() {
        return settings;
    }

    @Override
    public TlsRole role() {
        return delegate.role();
    }

    @Override
    public boolean isEnabled() {
        return delegate.isEnabled();
    }

    @Override
    public boolean clientCertAuth() {
        return delegate.clientCertAuth();
    }

    @Override
    public SSLContext serverContext() {
        return delegate.serverContext();
    }

    @Override
    public SSLParameters serverParameters() {
        return delegate.serverParameters();
    }

    @Override
    public SSLContext clientContext() {
        return delegate.clientContext();
    }

    @Override
    public SSLParameters clientParameters() {
        return delegate.clientParameters();
    }

    @Override
    public TlsSummary summary() {
        return delegate.summary();
    }

    @Override
    public String toString() {
        return "FileTlsPolicy[" + settings.role().property() + ", enabled=" + isEnabled() + "]";
    }
}
