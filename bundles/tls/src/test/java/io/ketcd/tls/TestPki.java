package io.ketcd.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import io.ketcd.tls.internal.Sec1Pem;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests, writing PEM files into a directory: its own certificate
 * ({@link #caFile()}), leaf certificates it signs ({@link #leaf(String)}, by default EC P-256,
 * valid for a day, for {@code 127.0.0.1} and {@code localhost}, usable by servers and clients),
 * and CRLs ({@link #crl}). Serials count up from 1000, so every certificate of one PKI differs.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(dir, "test CA");
 * TestPki.Leaf server = pki.leaf("server").write();
 * TestPki.Leaf member = pki.leaf("member1").sans("member1.example.com").keyFormat(KeyFormat.PKCS1_RSA).write();
 * Path crl = pki.crl("revoked.crl", true, member.certificate());
 * }</pre>
 *
 * Not thread-safe; one per test.
 */
public final class TestPki {
    /** How a leaf's private key is written: PEM type and key algorithm. */
    public enum KeyFormat {
        /** {@code RSA PRIVATE KEY}, RSA 2048. */
        PKCS1_RSA,
        /** {@code PRIVATE KEY}, RSA 2048. */
        PKCS8_RSA,
        /** {@code EC PRIVATE KEY}, P-256. */
        SEC1_EC,
        /** {@code PRIVATE KEY}, P-256. */
        PKCS8_EC;

        boolean rsa() {
            return this == PKCS1_RSA || this == PKCS8_RSA;
        }
    }

    /** A written leaf certificate, its key file and the certificate itself. */
    public record Leaf(Path certFile, Path keyFile, X509Certificate certificate) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X500Name caName;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Path caFile;
    private long nextSerial = 1000;

    private TestPki(Path dir, X500Name caName, KeyPair caKeys, X509Certificate caCertificate, Path caFile) {
        this.dir = dir;
        this.caName = caName;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.caFile = caFile;
    }

    /** A new CA named {@code CN=<caCommonName>}, its certificate written to {@code <dir>/<caCommonName>.crt}. */
    public static TestPki create(Path dir, String caCommonName) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keyPair(false);
            X500Name name = new X500Name("CN=" + caCommonName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(30))), name,
                    keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer(keys.getPrivate())));
            Path caFile = dir.resolve(caCommonName.replace(' ', '-') + ".crt");
            Files.writeString(caFile, pem(cert), StandardCharsets.US_ASCII);
            return new TestPki(dir, name, keys, cert, caFile);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate's PEM file. */
    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** Starts a leaf with subject {@code CN=<commonName>}. */
    public LeafBuilder leaf(String commonName) {
        return new LeafBuilder(commonName);
    }

    /**
     * Writes a CRL of this CA revoking {@code revoked} to {@code <dir>/<fileName>}, PEM or DER.
     */
    public Path crl(String fileName, boolean pem, X509Certificate... revoked) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder builder = new X509v2CRLBuilder(caName, Date.from(now.minusSeconds(60)));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (X509Certificate cert : revoked) {
                builder.addCRLEntry(cert.getSerialNumber(), Date.from(now.minusSeconds(60)), CRLReason.keyCompromise);
            }
            X509CRLHolder crl = builder.build(signer(caKeys.getPrivate()));
            Path file = dir.resolve(fileName);
            if (pem) {
                Files.writeString(file, pem(crl), StandardCharsets.US_ASCII);
            } else {
                Files.write(file, crl.getEncoded());
            }
            return file;
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A leaf certificate being described; {@link #write()} issues it. */
    public final class LeafBuilder {
        private final String commonName;
        private final List<String> sans = new ArrayList<>(List.of("127.0.0.1", "localhost"));
        private KeyFormat keyFormat = KeyFormat.SEC1_EC;
        private Duration validity = Duration.ofDays(1);
        private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));

        private LeafBuilder(String commonName) {
            this.commonName = commonName;
        }

        /** Replaces the SANs ({@code 127.0.0.1} and {@code localhost} by default); IPs become IP SANs. */
        public LeafBuilder sans(String... hosts) {
            sans.clear();
            sans.addAll(List.of(hosts));
            return this;
        }

        public LeafBuilder keyFormat(KeyFormat format) {
            this.keyFormat = format;
            return this;
        }

        /** Validity from {@code notBefore} (five minutes ago by default). */
        public LeafBuilder validity(Duration validity) {
            this.validity = validity;
            return this;
        }

        public LeafBuilder notBefore(Instant notBefore) {
            this.notBefore = notBefore;
            return this;
        }

        /** Issues the leaf into {@code <dir>/<cn>.crt} and {@code <dir>/<cn>.key}. */
        public Leaf write() {
            String base = commonName.replace(' ', '-');
            return write(dir.resolve(base + ".crt"), dir.resolve(base + ".key"));
        }

        /** Issues the leaf into the given files, replacing them in place (as a rotation does). */
        public Leaf write(Path certFile, Path keyFile) {
            try {
                KeyPair keys = keyPair(keyFormat.rsa());
                JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caName,
                        BigInteger.valueOf(nextSerial++), Date.from(notBefore), Date.from(notBefore.plus(validity)),
                        new X500Name("CN=" + commonName), keys.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                if (!sans.isEmpty()) {
                    builder.addExtension(Extension.subjectAlternativeName, false, generalNames(sans));
                }
                X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer(caKeys.getPrivate())));
                Files.writeString(certFile, pem(cert), StandardCharsets.US_ASCII);
                Files.writeString(keyFile, keyPem(keys, keyFormat), StandardCharsets.US_ASCII);
                return new Leaf(certFile, keyFile, cert);
            } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static GeneralNames generalNames(List<String> hosts) throws IOException {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            boolean ip = host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
            names.add(ip ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(host).getHostAddress())
                    : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static KeyPair keyPair(boolean rsa) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
        if (rsa) {
            generator.initialize(2048, RANDOM);
        } else {
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        }
        return generator.generateKeyPair();
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA").build(key);
    }

    private static String keyPem(KeyPair keys, KeyFormat format) throws IOException {
        return switch (format) {
            // BouncyCastle writes a JCA RSA key in OpenSSL's traditional form, PKCS#1
            case PKCS1_RSA -> pem(keys.getPrivate());
            case SEC1_EC -> Sec1Pem.ecPrivateKey(keys);
            case PKCS8_RSA, PKCS8_EC -> pem(new JcaPKCS8Generator(keys.getPrivate(), null));
        };
    }

    static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        }
        return out.toString();
    }
}
