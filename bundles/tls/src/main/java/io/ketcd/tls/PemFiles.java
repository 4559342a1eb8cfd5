package io.ketcd.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the files etcd's TLS and JWT flags name: certificate chains and CA bundles, private and
 * public keys, CRLs.
 */
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
     * are refused, as Go's {@code tls.X509KeyPair} refuses them. RSA, EC and Ed25519 keys come from
     * the JDK's key factories, so their algorithm reads {@code RSA}, {@code EC} or {@code Ed25519}
     * whatever other providers are installed.
     *
     * @throws IOException when the file cannot be read or holds no usable key
     */
    public static PrivateKey privateKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser pem = new PEMParser(reader)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return privateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return privateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IOException("encrypted private key in " + file + " is not supported");
                }
            }
            throw new IOException("no private key in " + file);
        }
    }

    /**
     * The public key of a PEM file: {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), PKCS#1
     * {@code RSA PUBLIC KEY}, or a certificate's key; for etcd's JWT {@code pub-key}. RSA and EC
     * keys come from the JDK's key factories.
     *
     * @throws IOException when the file cannot be read or holds no public key
     */
    public static PublicKey publicKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser pem = new PEMParser(reader)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                SubjectPublicKeyInfo info = o instanceof SubjectPublicKeyInfo k ? k
                        : o instanceof X509CertificateHolder c ? c.getSubjectPublicKeyInfo()
                        : o instanceof PEMKeyPair pair ? pair.getPublicKeyInfo()
                        : o instanceof org.bouncycastle.asn1.pkcs.RSAPublicKey rsa ? new SubjectPublicKeyInfo(
                                new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), rsa)
                        : null;
                if (info != null) {
                    return publicKey(info);
                }
            }
            throw new IOException("no public key in " + file);
        }
    }

    private static PublicKey publicKey(SubjectPublicKeyInfo info) throws IOException {
        ASN1ObjectIdentifier oid = info.getAlgorithm().getAlgorithm();
        String algorithm = PKCSObjectIdentifiers.rsaEncryption.equals(oid) ? "RSA"
                : X9ObjectIdentifiers.id_ecPublicKey.equals(oid) ? "EC"
                : EdECObjectIdentifiers.id_Ed25519.equals(oid) ? "Ed25519"
                : null;
        if (algorithm == null) {
            return new JcaPEMKeyConverter().getPublicKey(info);
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the " + algorithm + " public key: " + e.getMessage(), e);
        }
    }

    /**
     * The key by its algorithm's OID from the JDK's key factory of that name. BouncyCastle's
     * JcaPEMKeyConverter asks for an {@code ECDSA} key factory, which only BouncyCastle's provider
     * has: once that provider is registered (in Karaf, Apache SSHD registers it at boot) an EC key
     * came back as BouncyCastle's {@code ECDSA} key, which {@link KeyMaterial} does not take.
     */
    private static PrivateKey privateKey(PrivateKeyInfo info) throws IOException {
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm = PKCSObjectIdentifiers.rsaEncryption.equals(oid) ? "RSA"
                : X9ObjectIdentifiers.id_ecPublicKey.equals(oid) ? "EC"
                : EdECObjectIdentifiers.id_Ed25519.equals(oid) ? "Ed25519"
                : null;
        if (algorithm == null) {
            return new JcaPEMKeyConverter().getPrivateKey(info); // named by BouncyCastle; KeyMaterial refuses what it does not know
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the " + algorithm + " private key: " + e.getMessage(), e);
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
