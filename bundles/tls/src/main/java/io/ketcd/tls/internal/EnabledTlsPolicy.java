package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;
import io.ketcd.tls.TlsSettings;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy of a role with a certificate: two SSL contexts built once, over one {@link
 * ReloadingKeyManager} and trust managers that re-read the CA bundle and CRL, so rotated files
 * apply to the next handshake. Both are {@link TrustScopedSslContext}s, whose sessions end when the
 * CA bundle (or, for the server context, the CRL) changes, since resumption skips the trust
 * manager. Thread-safe.
 */
public final class EnabledTlsPolicy implements TlsPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(EnabledTlsPolicy.class);

    private final TlsSettings settings;
    private final boolean insecureSkipVerify;
    private final ReloadingKeyManager keys;
    private final SSLContext serverContext;
    private final SSLContext clientContext;
    /** The cipher suites to enable, JSSE names; empty for the JDK's defaults. */
    private final List<String> cipherSuites;

    /**
     * @param certFile the certificate to serve: the configured one, or auto-tls's
     * @param keyFile its key
     * @param insecureSkipVerify whether dialing skips the server certificate's chain and host
     *     checks (etcd does with a self-signed auto-tls certificate)
     * @throws IllegalArgumentException when a file cannot be loaded, or a cipher suite is not
     *     supported by this JVM
     */
    public EnabledTlsPolicy(TlsSettings settings, Path certFile, Path keyFile, boolean insecureSkipVerify) {
        this.settings = settings;
        this.insecureSkipVerify = insecureSkipVerify;
        String prefix = settings.role() == TlsRole.PEER ? "peer " : "client ";
        OnceLogger warnings = new OnceLogger(LOG);
        this.keys = new ReloadingKeyManager(new ReloadingFile<>(
                prefix + "certificate " + certFile + " with key " + keyFile,
                List.of(certFile, keyFile), () -> KeyMaterial.load(certFile, keyFile), warnings));
        Optional<ReloadingFile<X509ExtendedTrustManager>> cas = settings.trustedCaFile().map(ca -> new ReloadingFile<>(
                prefix + "trusted CA file " + ca, List.of(ca), () -> TrustedCas.load(ca), warnings));
        Supplier<X509ExtendedTrustManager> trusted = cas.<Supplier<X509ExtendedTrustManager>>map(f -> f::current)
                .orElseGet(() -> {
                    X509ExtendedTrustManager jdk = TrustedCas.jdkDefault();
                    return () -> jdk;
                });
        Optional<ReloadingFile<RevokedSerials>> crl = settings.crlFile().map(f -> new ReloadingFile<>(
                prefix + "CRL file " + f, List.of(f), () -> RevokedSerials.load(f), warnings));
        PeerIdentity identity = new PeerIdentity(settings.allowedCns(), settings.allowedHostnames());
        // the JDK resumes sessions without asking the trust manager: a new CA bundle or CRL must
        // end the sessions verified against the old one (the peer identity is fixed per policy)
        CertificateVerifier clients = CertificateVerifier.ofClients(trusted, crl, identity, warnings);
        String role = settings.role() == TlsRole.PEER ? "peer" : "client";
        this.serverContext = TrustScopedSslContext.create("server context of the " + role + " role",
                () -> new TrustVersion(cas.map(ReloadingFile::current), crl.map(ReloadingFile::current)),
                () -> context(clients));
        CertificateVerifier servers = CertificateVerifier.ofServers(trusted, insecureSkipVerify, identity, warnings);
        this.clientContext = TrustScopedSslContext.create("dialing context of the " + role + " role",
                () -> new TrustVersion(cas.map(ReloadingFile::current), Optional.empty()),
                () -> context(servers));
        this.cipherSuites = cipherSuites(settings, serverContext);
    }

    /**
     * What the trust of a context rests on: the CA bundle loaded (by identity) and the serials the
     * CRL revokes (by value, so a CRL rewritten with the same serials keeps the sessions).
     */
    private record TrustVersion(Optional<X509ExtendedTrustManager> cas, Optional<RevokedSerials> revoked) {
    }

    private SSLContext context(TrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * The configured TLS 1.2 suites in order, then, when TLS 1.3 is allowed, the JDK's TLS 1.3
     * suites (Go does not let the list restrict TLS 1.3 either).
     */
    private static List<String> cipherSuites(TlsSettings settings, SSLContext context) {
        if (settings.cipherSuites().isEmpty()) {
            return List.of();
        }
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        for (String suite : settings.cipherSuites()) {
            if (!supported.contains(suite)) {
                throw new IllegalArgumentException("TLS cipher suite " + suite + " is not supported by this JVM");
            }
        }
        List<String> out = new ArrayList<>(settings.cipherSuites());
        if (settings.protocols().contains(TlsSettings.TLS13)) {
            Arrays.stream(context.getDefaultSSLParameters().getCipherSuites())
                    .filter(GoCipherSuites.TLS13::contains)
                    .forEach(out::add);
        }
        return List.copyOf(out);
    }

    @Override
    public TlsRole role() {
        return settings.role();
    }

    @Override
    public boolean isEnabled() {
        return true;
    }

    @Override
    public boolean clientCertAuth() {
        return settings.requiresClientCertificate();
    }

    @Override
    public SSLContext serverContext() {
        return serverContext;
    }

    @Override
    public SSLParameters serverParameters() {
        SSLParameters p = parameters(serverContext);
        p.setNeedClientAuth(settings.requiresClientCertificate());
        return p;
    }

    @Override
    public SSLContext clientContext() {
        return clientContext;
    }

    @Override
    public SSLParameters clientParameters() {
        SSLParameters p = parameters(clientContext);
        if (!insecureSkipVerify) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return p;
    }

    private SSLParameters parameters(SSLContext context) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(settings.protocols().toArray(String[]::new));
        if (!cipherSuites.isEmpty()) {
            p.setCipherSuites(cipherSuites.toArray(String[]::new));
            p.setUseCipherSuitesOrder(true);
        } else {
            p.setCipherSuites(Arrays.stream(p.getCipherSuites()).filter(this::usableWithProtocols).toArray(String[]::new));
        }
        return p;
    }

    /** Whether a default suite can be negotiated with the enabled protocols, so the summary lists only those. */
    private boolean usableWithProtocols(String suite) {
        boolean tls13Suite = GoCipherSuites.TLS13.contains(suite);
        List<String> protocols = settings.protocols();
        return tls13Suite ? protocols.contains(TlsSettings.TLS13) : protocols.contains(TlsSettings.TLS12);
    }

    @Override
    public TlsSummary summary() {
        KeyMaterial now = keys.current();
        // TLS_EMPTY_RENEGOTIATION_INFO_SCSV is a signal, not a suite an operator chooses
        List<String> suites = Arrays.stream(serverParameters().getCipherSuites())
                .filter(suite -> !suite.endsWith("_SCSV"))
                .toList();
        return new TlsSummary(settings.protocols(), suites,
                Optional.of(now.leaf().getSubjectX500Principal().getName()),
                Optional.of(now.leaf().getNotAfter().toInstant()),
                settings.requiresClientCertificate());
    }
}
