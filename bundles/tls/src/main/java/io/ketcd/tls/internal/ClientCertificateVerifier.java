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
 * The server side's check of a client certificate, in etcd's order: the chain must lead to a
 * trusted CA ({@code RequireAndVerifyClientCert}), no certificate of it may be in the CRL
 * ({@code checkCRL}), and for peers the leaf must be allowed ({@link PeerIdentity}). A refusal
 * fails the handshake and is logged once per distinct reason. Thread-safe.
 */
public final class ClientCertificateVerifier extends X509ExtendedTrustManager {
    private final Supplier<X509ExtendedTrustManager> trusted;
    private final Optional<ReloadingFile<RevokedSerials>> crl;
    private final PeerIdentity identity;
    private final OnceLogger refusals;

    public ClientCertificateVerifier(Supplier<X509ExtendedTrustManager> trusted,
                                     Optional<ReloadingFile<RevokedSerials>> crl,
                                     PeerIdentity identity, OnceLogger refusals) {
        this.trusted = trusted;
        this.crl = crl;
        this.identity = identity;
        this.refusals = refusals;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, () -> trusted.get().checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, () -> trusted.get().checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, () -> trusted.get().checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trusted.get().getAcceptedIssuers();
    }

    private interface ChainCheck {
        void run() throws CertificateException;
    }

    private void verify(X509Certificate[] chain, ChainCheck chainCheck) throws CertificateException {
        try {
            chainCheck.run();
        } catch (CertificateException e) {
            throw refused("client certificate " + subject(chain) + " refused: " + e.getMessage());
        }
        Optional<String> refusal = crl.flatMap(f -> f.current().refusal(List.of(chain)))
                .or(() -> identity.refusal(chain[0]));
        if (refusal.isPresent()) {
            throw refused(refusal.get());
        }
    }

    private CertificateException refused(String reason) {
        refusals.warn("rejected TLS connection: " + reason);
        return new CertificateException(reason);
    }

    static String subject(X509Certificate[] chain) {
        return chain == null || chain.length == 0 ? "(none)" : "\"" + chain[0].getSubjectX500Principal().getName() + "\"";
    }
}
