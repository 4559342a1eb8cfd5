package io.ketcd.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** Reads the files etcd's TLS flags name: certificate chains and CA bundles, private keys, CRLs. */
public final class PemFiles {
    private PemFiles() {
    }

    /**
     * Every certificate of a PEM file, in file order (for a chain: leaf first).
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
            if (certs.isEmpty()) {
                throw new IOException("no certificate in " + file);
            }
            return certs;
        }
    }

    /**
     * The private key of a PEM file: PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE
     * KEY}, optionally after {@code EC PARAMETERS}) or PKCS#8 ({@code PRIVATE KEY}). Encrypted keys
     * are refused, as Go's {@code tls.X509KeyPair} refuses them. The key comes from the JDK's
     * providers, so its algorithm reads {@code RSA} or {@code EC}.
     *
     * @throws IOException when the file cannot be read or holds no usable key
     */
    public static PrivateKey privateKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser pem = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IOException("encrypted private key in " + file + " is not supported");
                }
            }
            throw new IOException("no private key in " + file);
        }
    }

    /**
     * The CRL of a file, PEM or DER (Go's {@code x509.ParseCRL} takes both).
     *
     * @throws IOException when the file cannot be read or is not an X.509 CRL
     */
    public static X509CRL crl(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            CRL crl = CertificateFactory.getInstance("X.509").generateCRL(in);
            if (!(crl instanceof X509CRL x509)) {
                throw new IOException("no X.509 CRL in " + file);
            }
            return x509;
        }
    }
}
