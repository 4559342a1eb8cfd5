package io.ketcd.tls.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The check of the other side's certificate, for one direction only (the other direction's
 * methods refuse everything):
 *
 * <ul>
 *   <li>{@link #ofClients}: a server's check of a client certificate, in etcd's order: the chain
 *       must lead to a trusted CA ({@code RequireAndVerifyClientCert}), no certificate of it may
 *       be in the CRL ({@code checkCRL}), and for peers the leaf must be allowed ({@link
 *       PeerIdentity}).
 *   <li>{@link #ofServers}: the dialing side's check of a server certificate: the chain must lead
 *       to a trusted CA and, when the connection's parameters ask for it, match the host dialed;
 *       for peers the leaf must also be allowed. With auto-tls etcd skips the chain check ({@code
 *       InsecureSkipVerify}, since a self-signed certificate can chain to nothing); the identity
 *       check still runs and, as in etcd, refuses what it cannot verify.
 * </ul>
 *
 * A refusal fails the handshake and is logged once per distinct reason. Thread-safe.
 */
public final class CertificateVerifier extends X509ExtendedTrustManager {
    /** Whose certificate a verifier checks, and how its refusals are logged. */
    private enum Side {
        CLIENT("client", "rejected TLS connection: "),
        SERVER("server", "TLS connection refused: ");

        final String label;
        final String logPrefix;

        Side(String label, String logPrefix) {
            this.label = label;
            this.logPrefix = logPrefix;
        }
    }

    private final Side side;
    private final Supplier<X509ExtendedTrustManager> trusted;
    /** Revoked serials; always empty for {@link Side#SERVER} (etcd checks CRLs on servers only). */
    private final Optional<ReloadingFile<RevokedSerials>> crl;
    /** Only ever true for {@link Side#SERVER}. */
    private final boolean insecureSkipVerify;
    private final PeerIdentity identity;
    private final OnceLogger refusals;

    private CertificateVerifier(Side side, Supplier<X509ExtendedTrustManager> trusted,
                                Optional<ReloadingFile<RevokedSerials>> crl, boolean insecureSkipVerify,
                                PeerIdentity identity, OnceLogger refusals) {
        this.side = side;
        this.trusted = trusted;
        this.crl = crl;
        this.insecureSkipVerify = insecureSkipVerify;
        this.identity = identity;
        this.refusals = refusals;
    }

    /** A server's verifier of client certificates: trusted chain, then the CRL, then the peer identity. */
    public static CertificateVerifier ofClients(Supplier<X509ExtendedTrustManager> trusted,
                                                Optional<ReloadingFile<RevokedSerials>> crl,
                                                PeerIdentity identity, OnceLogger refusals) {
        return new CertificateVerifier(Side.CLIENT, trusted, crl, false, identity, refusals);
    }

    /**
     * A dialer's verifier of server certificates: trusted chain, then the peer identity.
     *
     * @param insecureSkipVerify skip the chain check (auto-tls); a restricting identity then refuses every server
     */
    public static CertificateVerifier ofServers(Supplier<X509ExtendedTrustManager> trusted, boolean insecureSkipVerify,
                                                PeerIdentity identity, OnceLogger refusals) {
        return new CertificateVerifier(Side.SERVER, trusted, Optional.empty(), insecureSkipVerify, identity, refusals);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(Side.CLIENT, chain, () -> trusted.get().checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(Side.CLIENT, chain, () -> trusted.get().checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(Side.CLIENT, chain, () -> trusted.get().checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(Side.SERVER, chain, () -> trusted.get().checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(Side.SERVER, chain, () -> trusted.get().checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(Side.SERVER, chain, () -> trusted.get().checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return insecureSkipVerify ? new X509Certificate[0] : trusted.get().getAcceptedIssuers();
    }

    private interface ChainCheck {
        void run() throws CertificateException;
    }

    private void verify(Side checked, X509Certificate[] chain, ChainCheck chainCheck) throws CertificateException {
        if (checked != side) {
            throw new CertificateException("this trust manager verifies " + side.label + " certificates only");
        }
        if (insecureSkipVerify) {
            if (identity.restricts()) {
                // Go hands VerifyPeerCertificate no verified chain then, and etcd's check fails
                throw refused("cannot check the allowed CN or hostname of an unverified " + side.label + " certificate "
                        + subject(chain) + " (auto-tls skips verification)");
            }
            return;
        }
        try {
            chainCheck.run();
        } catch (CertificateException e) {
            throw refused(side.label + " certificate " + subject(chain) + " refused: " + e.getMessage());
        }
        Optional<String> refusal = crl.flatMap(f -> f.current().refusal(List.of(chain)))
                .or(() -> identity.refusal(chain[0]));
        if (refusal.isPresent()) {
            throw refused(refusal.get());
        }
    }

    private CertificateException refused(String reason) {
        refusals.warn(side.logPrefix + reason);
        return new CertificateException(reason);
    }

    private static String subject(X509Certificate[] chain) {
        return chain == null || chain.length == 0 ? "(none)" : "\"" + chain[0].getSubjectX500Principal().getName() + "\"";
    }
}
