package io.ketcd.tls.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * auto-tls: etcd's {@code transport.SelfCert}. In a directory ({@code <data-dir>/fixtures/client}
 * or {@code .../peer}, mode 0700) it keeps {@code cert.pem} and {@code key.pem}; when both exist
 * they are used as they are (a restart keeps its certificate), otherwise a new pair is written: an
 * ECDSA P-521 key (SEC1 PEM, mode 0600) and a self-signed certificate with subject {@code O=etcd},
 * a random 128-bit serial, valid from now for {@code years} × 365 days, key usage digital
 * signature and key encipherment, extended key usage server auth, not a CA, and one SAN per host
 * (an IP SAN for an IP, a DNS SAN otherwise).
 */
public final class SelfSignedCertificate {
    private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificate.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Where the pair is. */
    public record CertificateFiles(Path certFile, Path keyFile) {
    }

    private SelfSignedCertificate() {
    }

    /**
     * The certificate and key of {@code dir}, written first if either is missing.
     *
     * @throws IOException when the directory or the files cannot be written
     */
    public static CertificateFiles ensure(Path dir, List<String> hosts, int years, Clock clock) throws IOException {
        Path certFile = dir.resolve("cert.pem").toAbsolutePath();
        Path keyFile = dir.resolve("key.pem").toAbsolutePath();
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            return new CertificateFiles(certFile, keyFile);
        }
        createPrivateDirectories(dir);
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp521r1"));
            KeyPair pair = generator.generateKeyPair();
            Instant notBefore = clock.instant();
            Instant notAfter = notBefore.plus(Duration.ofDays(365L * years));
            X500Name subject = new X500Name("O=etcd");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(128, new SecureRandom()), Date.from(notBefore), Date.from(notAfter), subject,
                    pair.getPublic());
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (!hosts.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(hosts));
            }
            // Go signs with ECDSA-SHA512 for a P-521 key
            X509CertificateHolder cert = builder.build(new JcaContentSignerBuilder("SHA512withECDSA").build(pair.getPrivate()));
            Files.writeString(certFile, pem(cert), StandardCharsets.US_ASCII);
            LOG.info("created cert file {} (auto-tls, valid until {})", certFile, notAfter);
            writePrivate(keyFile, Sec1Pem.ecPrivateKey(pair));
            LOG.info("created key file {}", keyFile);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate the auto-tls certificate in " + dir + ": " + e.getMessage(), e);
        }
        return new CertificateFiles(certFile, keyFile);
    }

    private static GeneralNames subjectAlternativeNames(List<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            Optional<InetAddress> ip = ipLiteral(host);
            names.add(ip.isPresent()
                    ? new GeneralName(GeneralName.iPAddress, ip.get().getHostAddress())
                    : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static Optional<InetAddress> ipLiteral(String host) {
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(host));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String pem(Object o) throws IOException {
        Writer out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        }
        return out.toString();
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            // a concurrent start made it
        }
    }

    /** Writes {@code content} to a file only its owner may read (etcd: 0600), replacing any. */
    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
