package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.PemFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoTlsTest {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);

    private FileTlsPolicy clientAutoTls() {
        return new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "auto-tls", "true",
                "data-dir", dir.resolve("member.etcd").toString(),
                "listen-client-urls", "https://127.0.0.1:2379",
                "listen-client-http-urls", "https://localhost:2381,https://[::1]:2382",
                "self-signed-cert-validity", "2"), Map.of()), clock);
    }

    @Test
    void generatesEtcdsSelfSignedCertificateForTheListenHosts() throws Exception {
        FileTlsPolicy policy = clientAutoTls();

        Path fixtures = dir.resolve("member.etcd/fixtures/client");
        X509Certificate cert = PemFiles.certificates(fixtures.resolve("cert.pem")).get(0);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=etcd");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getOrder().bitLength()).isEqualTo(521);
        assertThat(cert.getSigAlgName()).isEqualTo("SHA512withECDSA");
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(clock.instant());
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(2 * 365)));
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[2]).as("keyEncipherment").isTrue();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(SAN_IP, "127.0.0.1"), List.of(SAN_DNS, "localhost"), List.of(SAN_IP, "0:0:0:0:0:0:0:1"));

        assertThat(Files.readAllLines(fixtures.resolve("key.pem")).get(0)).isEqualTo("-----BEGIN EC PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixtures.resolve("key.pem"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixtures))).isEqualTo("rwx------");
        assertThat(policy.summary().subject()).contains("O=etcd");
    }

    @Test
    void aSecondStartReusesTheFiles() throws Exception {
        clientAutoTls();
        Path certFile = dir.resolve("member.etcd/fixtures/client/cert.pem");
        Path keyFile = dir.resolve("member.etcd/fixtures/client/key.pem");
        byte[] cert = Files.readAllBytes(certFile);
        byte[] key = Files.readAllBytes(keyFile);

        FileTlsPolicy restarted = clientAutoTls();

        assertThat(Files.readAllBytes(certFile)).isEqualTo(cert);
        assertThat(Files.readAllBytes(keyFile)).isEqualTo(key);
        try (TlsEchoServer echo = new TlsEchoServer(restarted)) {
            assertThat(echo.connect(TestClients.trustingAnything(), new SSLParameters()).served())
                    .isEqualTo(PemFiles.certificates(certFile).get(0));
        }
    }

    @Test
    void peerAutoTlsDialsWithoutVerifyingTheSelfSignedServerCertificate() throws Exception {
        FileTlsPolicy listening = new FileTlsPolicy(TlsSettings.from(TlsRole.PEER,
                Map.of("peer-auto-tls", "true", "data-dir", dir.resolve("m1").toString(),
                        "listen-peer-urls", "https://127.0.0.1:2380"), Map.of()));
        FileTlsPolicy dialing = new FileTlsPolicy(TlsSettings.from(TlsRole.PEER,
                Map.of("peer-auto-tls", "true", "data-dir", dir.resolve("m2").toString(),
                        "listen-peer-urls", "https://127.0.0.2:2380"), Map.of()));

        assertThat(dir.resolve("m1/fixtures/peer/cert.pem")).exists();
        assertThat(PemFiles.certificates(dir.resolve("m2/fixtures/peer/cert.pem")).get(0).getSubjectAlternativeNames())
                .containsExactly(List.of(SAN_IP, "127.0.0.2"));
        assertThat(dialing.clientParameters().getEndpointIdentificationAlgorithm()).isNull();
        try (TlsEchoServer echo = new TlsEchoServer(listening)) {
            assertThat(echo.connect(dialing.clientContext(), dialing.clientParameters()).served().getSubjectX500Principal().getName())
                    .isEqualTo("O=etcd");
        }
    }

    @Test
    void theDataDirDefaultsToTheNameDotEtcd() {
        TlsSettings settings = TlsSettings.from(TlsRole.PEER, Map.of("peer-auto-tls", "true", "name", "m1"), Map.of());

        assertThat(settings.autoTlsDir()).isEqualTo(Path.of("m1.etcd", "fixtures", "peer"));
        assertThat(settings.autoTlsHosts()).containsExactly("localhost");
    }

    @Test
    void givenCertificateFilesWinOverAutoTls() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "test CA");
        TestPki.Leaf leaf = pki.leaf("server").write();
        FileTlsPolicy policy = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "auto-tls", "true", "data-dir", dir.resolve("member.etcd").toString(),
                "cert-file", leaf.certFile().toString(), "key-file", leaf.keyFile().toString()), Map.of()));

        assertThat(dir.resolve("member.etcd")).doesNotExist();
        assertThat(policy.clientParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters()).served())
                    .isEqualTo(leaf.certificate());
        }
    }

    @Test
    void aValidityOfZeroYearsIsRefused() {
        assertThatThrownBy(() -> TlsSettings.from(TlsRole.CLIENT, Map.of("auto-tls", "true",
                "self-signed-cert-validity", "0"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("selfSignedCertValidity is invalid,it should be greater than 0");
    }
}
