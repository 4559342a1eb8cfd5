package io.ketcd.tls.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The dialing side's check of a server certificate: the chain must lead to a trusted CA and, when
 * the connection's parameters ask for it, match the host dialed; for peers the leaf must also be
 * allowed ({@link PeerIdentity}). With auto-tls etcd skips the chain check ({@code
 * InsecureSkipVerify}, since a self-signed certificate can chain to nothing); the identity check
 * still runs and, as in etcd, refuses what it cannot verify. Thread-safe.
 */
public final class ServerCertificateVerifier extends X509ExtendedTrustManager {
    private final Supplier<X509ExtendedTrustManager> trusted;
    private final boolean insecureSkipVerify;
    private final PeerIdentity identity;
    private final OnceLogger refusals;

    public ServerCertificateVerifier(Supplier<X509ExtendedTrustManager> trusted, boolean insecureSkipVerify,
                                     PeerIdentity identity, OnceLogger refusals) {
        this.trusted = trusted;
        this.insecureSkipVerify = insecureSkipVerify;
        this.identity = identity;
        this.refusals = refusals;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, () -> trusted.get().checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, () -> trusted.get().checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, () -> trusted.get().checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager verifies server certificates only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager verifies server certificates only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager verifies server certificates only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return insecureSkipVerify ? new X509Certificate[0] : trusted.get().getAcceptedIssuers();
    }

    private interface ChainCheck {
        void run() throws CertificateException;
    }

    private void verify(X509Certificate[] chain, ChainCheck chainCheck) throws CertificateException {
        if (insecureSkipVerify) {
            if (identity.restricts()) {
                // Go hands VerifyPeerCertificate no verified chain then, and etcd's check fails
                throw refused("cannot check the allowed CN or hostname of an unverified server certificate "
                        + ClientCertificateVerifier.subject(chain) + " (auto-tls skips verification)");
            }
            return;
        }
        try {
            chainCheck.run();
        } catch (CertificateException e) {
            throw refused("server certificate " + ClientCertificateVerifier.subject(chain) + " refused: " + e.getMessage());
        }
        Optional<String> refusal = identity.refusal(chain[0]);
        if (refusal.isPresent()) {
            throw refused(refusal.get());
        }
    }

    private CertificateException refused(String reason) {
        refusals.warn("TLS connection refused: " + reason);
        return new CertificateException(reason);
    }
}
