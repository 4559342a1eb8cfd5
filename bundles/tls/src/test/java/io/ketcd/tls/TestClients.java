package io.ketcd.tls;

import io.ketcd.tls.PemFiles;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Plain JSSE client contexts for the tests, independent of the code under test; published in the
 * test-jar with {@link TestPki} for the http and peer tests.
 */
public final class TestClients {
    private TestClients() {
    }

    /** Trusts {@code caFile}; presents {@code leaf} when given. A new context (no session to resume) per call. */
    public static SSLContext context(Path caFile, Optional<TestPki.Leaf> leaf) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemFiles.certificates(caFile).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManager[] keyManagers = null;
        if (leaf.isPresent()) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("leaf", PemFiles.privateKey(leaf.get().keyFile()), new char[0],
                    new X509Certificate[] {leaf.get().certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, new char[0]);
            keyManagers = kmf.getKeyManagers();
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, tmf.getTrustManagers(), null);
        return context;
    }

    /** Accepts any server certificate, so a test can look at what was served. A new context per call. */
    static SSLContext trustingAnything() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    /** Client parameters offering only {@code protocols} (and, when given, only {@code suites}). */
    static SSLParameters offering(List<String> protocols, String... suites) {
        SSLParameters p = new SSLParameters();
        p.setProtocols(protocols.toArray(String[]::new));
        if (suites.length > 0) {
            p.setCipherSuites(suites);
        }
        return p;
    }
}
