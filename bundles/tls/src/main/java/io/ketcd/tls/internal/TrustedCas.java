package io.ketcd.tls.internal;

import io.ketcd.tls.PemFiles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager over a CA bundle file (etcd's {@code tlsutil.NewCertPool}), or over
 * the JDK's default CAs when no file is given (Go's system roots). It validates chains, and when
 * handed a socket or engine, checks the endpoint identity the connection's parameters ask for.
 */
public final class TrustedCas {
    private TrustedCas() {
    }

    /** A trust manager over every certificate of the PEM bundle {@code caFile}. */
    public static X509ExtendedTrustManager load(Path caFile) throws Exception {
        List<X509Certificate> cas = PemFiles.certificates(caFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        return trustManager(store);
    }

    /** A trust manager over the JDK's default CAs ({@code cacerts}). */
    public static X509ExtendedTrustManager jdkDefault() {
        try {
            return trustManager(null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's default trust manager is not available", e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("PKIX has no X509ExtendedTrustManager");
    }
}
