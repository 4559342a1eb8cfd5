package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;
import io.ketcd.tls.TestPki.KeyFormat;
import io.ketcd.tls.TestPki.Leaf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Security;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLParameters;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTlsPolicyTest {
    @TempDir
    Path dir;

    private TestPki pki;
    private Leaf server;

    @BeforeEach
    void issueServerCertificate() {
        pki = TestPki.create(dir, "test CA");
        server = pki.leaf("server").write();
    }

    private static FileTlsPolicy policy(TlsRole role, Map<String, String> flags) {
        return new FileTlsPolicy(TlsSettings.from(role, flags, Map.of()));
    }

    private FileTlsPolicy clientPolicy(Map<String, String> more) {
        Map<String, String> flags = new HashMap<>(Map.of(
                "cert-file", server.certFile().toString(), "key-file", server.keyFile().toString()));
        flags.putAll(more);
        return policy(TlsRole.CLIENT, flags);
    }

    private Optional<Leaf> client(String cn) {
        return Optional.of(pki.leaf(cn).write());
    }

    private static String cn(TlsEchoServer.Connection c) {
        return c.served().getSubjectX500Principal().getName();
    }

    @Test
    void servesTheCertificateOfTheFiles() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(clientPolicy(Map.of()))) {
            TlsEchoServer.Connection c = echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters());

            assertThat(c.served()).isEqualTo(server.certificate());
        }
    }

    @Test
    void servesARotatedCertificateToTheNextConnectionWithoutRebuilding() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of());
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(cn(echo.connect(TestClients.trustingAnything(), new SSLParameters()))).isEqualTo("CN=server");

            // rewritten in place, as `cp new.crt server.crt` would
            pki.leaf("rotated").write(server.certFile(), server.keyFile());

            assertThat(cn(echo.connect(TestClients.trustingAnything(), new SSLParameters()))).isEqualTo("CN=rotated");
            assertThat(policy.summary().subject()).contains("CN=rotated");
        }
    }

    @Test
    void keepsTheLastGoodCertificateWhileTheFilesAreBrokenOrDoNotMatch() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(clientPolicy(Map.of()))) {
            Files.writeString(server.certFile(), "-----BEGIN CERTIFICATE-----\nbroken\n");
            assertThat(cn(echo.connect(TestClients.trustingAnything(), new SSLParameters()))).isEqualTo("CN=server");

            // the new certificate is there, its key is not yet: still the old pair
            Leaf next = pki.leaf("next").write();
            Files.copy(next.certFile(), server.certFile(), StandardCopyOption.REPLACE_EXISTING);
            assertThat(cn(echo.connect(TestClients.trustingAnything(), new SSLParameters()))).isEqualTo("CN=server");

            Files.copy(next.keyFile(), server.keyFile(), StandardCopyOption.REPLACE_EXISTING);
            assertThat(cn(echo.connect(TestClients.trustingAnything(), new SSLParameters()))).isEqualTo("CN=next");
        }
    }

    @Test
    void clientCertAuthRefusesClientsWithoutACertificateOrFromAnotherCaAndAcceptsGoodOnes() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of("client-cert-auth", "true", "trusted-ca-file", pki.caFile().toString()));
        TestPki otherCa = TestPki.create(dir.resolve("other"), "other CA");
        Leaf stranger = otherCa.leaf("stranger").write();
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(policy.clientCertAuth()).isTrue();
            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters()))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), Optional.of(stranger)), new SSLParameters()))
                    .isInstanceOf(IOException.class);

            assertThat(cn(echo.connect(TestClients.context(pki.caFile(), client("good client")), new SSLParameters())))
                    .isEqualTo("CN=server");
        }
    }

    @Test
    void aTrustedCaFileAloneRequiresClientCertificatesAsInEtcd() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of("trusted-ca-file", pki.caFile().toString()));
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(policy.clientCertAuth()).isTrue();
            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void withoutClientCertAuthAClientNeedsNoCertificate() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of());
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(policy.clientCertAuth()).isFalse();
            assertThat(policy.serverParameters().getNeedClientAuth()).isFalse();
            assertThat(echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters())).isNotNull();
        }
    }

    @Test
    void aCrlRefusesRevokedClientCertificatesPemOrDer() throws Exception {
        Optional<Leaf> revoked = client("revoked");
        Optional<Leaf> fine = client("fine");
        for (boolean pem : new boolean[] {true, false}) {
            Path crl = pki.crl("clients-" + pem + ".crl", pem, revoked.orElseThrow().certificate());
            FileTlsPolicy policy = clientPolicy(Map.of("client-cert-auth", "true",
                    "trusted-ca-file", pki.caFile().toString(), "client-crl-file", crl.toString()));
            try (TlsEchoServer echo = new TlsEchoServer(policy)) {
                assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), revoked), new SSLParameters()))
                        .as("pem=%s", pem).isInstanceOf(IOException.class);
                assertThat(echo.connect(TestClients.context(pki.caFile(), fine), new SSLParameters())).isNotNull();
            }
        }
    }

    @Test
    void aRewrittenCrlAppliesToTheNextConnection() throws Exception {
        Optional<Leaf> member = client("member");
        Path crl = pki.crl("peers.crl", true);
        FileTlsPolicy policy = clientPolicy(Map.of("client-cert-auth", "true",
                "trusted-ca-file", pki.caFile().toString(), "client-crl-file", crl.toString()));
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThat(echo.connect(TestClients.context(pki.caFile(), member), new SSLParameters())).isNotNull();

            pki.crl("peers.crl", true, member.orElseThrow().certificate());

            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), member), new SSLParameters()))
                    .isInstanceOf(IOException.class);
        }
    }

    private FileTlsPolicy peerPolicy(Map<String, String> more) {
        Map<String, String> flags = new HashMap<>(Map.of(
                "peer-cert-file", server.certFile().toString(), "peer-key-file", server.keyFile().toString(),
                "peer-client-cert-auth", "true", "peer-trusted-ca-file", pki.caFile().toString()));
        flags.putAll(more);
        return policy(TlsRole.PEER, flags);
    }

    @Test
    void peerCertAllowedCnRefusesOtherCommonNames() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(peerPolicy(Map.of("peer-cert-allowed-cn", "member1")))) {
            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), client("member2")), new SSLParameters()))
                    .isInstanceOf(IOException.class);

            assertThat(echo.connect(TestClients.context(pki.caFile(), client("member1")), new SSLParameters())).isNotNull();
        }
    }

    @Test
    void peerCertAllowedHostnameRefusesCertificatesNotValidForIt() throws Exception {
        Optional<Leaf> other = Optional.of(pki.leaf("m2").sans("member2.example.com").write());
        Optional<Leaf> wildcard = Optional.of(pki.leaf("m1").sans("*.example.com").write());
        try (TlsEchoServer echo = new TlsEchoServer(peerPolicy(Map.of("peer-cert-allowed-hostname", "member1.example.com")))) {
            assertThatThrownBy(() -> echo.connect(TestClients.context(pki.caFile(), other), new SSLParameters()))
                    .isInstanceOf(IOException.class);

            assertThat(echo.connect(TestClients.context(pki.caFile(), wildcard), new SSLParameters())).isNotNull();
        }
    }

    @Test
    void peersDialEachOtherWithMutualTlsAndTheHostnameChecked() throws Exception {
        FileTlsPolicy listening = peerPolicy(Map.of());
        Leaf dialer = pki.leaf("dialer").write();
        FileTlsPolicy dialing = policy(TlsRole.PEER, Map.of(
                "peer-cert-file", dialer.certFile().toString(), "peer-key-file", dialer.keyFile().toString(),
                "peer-trusted-ca-file", pki.caFile().toString()));
        try (TlsEchoServer echo = new TlsEchoServer(listening)) {
            assertThat(dialing.clientParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
            assertThat(cn(echo.connect(dialing.clientContext(), dialing.clientParameters()))).isEqualTo("CN=server");
        }

        // etcd checks the allowed CN of the member dialed too
        FileTlsPolicy picky = policy(TlsRole.PEER, Map.of(
                "peer-cert-file", dialer.certFile().toString(), "peer-key-file", dialer.keyFile().toString(),
                "peer-trusted-ca-file", pki.caFile().toString(), "peer-cert-allowed-cn", "someone-else"));
        try (TlsEchoServer echo = new TlsEchoServer(listening)) {
            assertThatThrownBy(() -> echo.connect(picky.clientContext(), picky.clientParameters()))
                    .isInstanceOf(IOException.class);
        }

        // a listener whose certificate is not for 127.0.0.1
        pki.leaf("elsewhere").sans("elsewhere.example.com").write(server.certFile(), server.keyFile());
        try (TlsEchoServer echo = new TlsEchoServer(peerPolicy(Map.of()))) {
            assertThatThrownBy(() -> echo.connect(dialing.clientContext(), dialing.clientParameters()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aMinimumOfTls13RefusesTls12Clients() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of("tls-min-version", "TLS1.3"));
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThatThrownBy(() -> echo.connect(TestClients.trustingAnything(), TestClients.offering(List.of("TLSv1.2"))))
                    .isInstanceOf(IOException.class);

            assertThat(echo.connect(TestClients.trustingAnything(), TestClients.offering(List.of("TLSv1.2", "TLSv1.3"))).protocol())
                    .isEqualTo("TLSv1.3");
            assertThat(policy.summary().protocols()).containsExactly("TLSv1.3");
        }
    }

    @Test
    void aMaximumOfTls12IsNegotiatedWithClientsOfferingTls13() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(clientPolicy(Map.of("tls-max-version", "TLS1.2")))) {
            assertThat(echo.connect(TestClients.trustingAnything(), TestClients.offering(List.of("TLSv1.2", "TLSv1.3"))).protocol())
                    .isEqualTo("TLSv1.2");
            assertThatThrownBy(() -> echo.connect(TestClients.trustingAnything(), TestClients.offering(List.of("TLSv1.3"))))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void cipherSuitesOutsideTheListAreRefusedAndTls13SuitesStayEnabled() throws Exception {
        FileTlsPolicy policy = clientPolicy(Map.of("cipher-suites",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        try (TlsEchoServer echo = new TlsEchoServer(policy)) {
            assertThatThrownBy(() -> echo.connect(TestClients.trustingAnything(),
                    TestClients.offering(List.of("TLSv1.2"), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")))
                    .isInstanceOf(IOException.class);

            assertThat(echo.connect(TestClients.trustingAnything(),
                    TestClients.offering(List.of("TLSv1.2"), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).cipherSuite())
                    .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            assertThat(echo.connect(TestClients.trustingAnything(), TestClients.offering(List.of("TLSv1.3"))).protocol())
                    .isEqualTo("TLSv1.3");
        }
        TlsSummary summary = policy.summary();
        assertThat(summary.cipherSuites()).startsWith(
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(summary.cipherSuites()).contains("TLS_AES_128_GCM_SHA256").hasSize(5);
    }

    @Test
    void rsaAndEcKeysLoadInEveryPemForm() throws Exception {
        for (KeyFormat format : KeyFormat.values()) {
            Leaf leaf = pki.leaf("key-" + format).keyFormat(format).write();
            String firstLine = Files.readAllLines(leaf.keyFile()).get(0);
            assertThat(firstLine).as(format.name()).isEqualTo(switch (format) {
                case PKCS1_RSA -> "-----BEGIN RSA PRIVATE KEY-----";
                case SEC1_EC -> "-----BEGIN EC PRIVATE KEY-----";
                case PKCS8_RSA, PKCS8_EC -> "-----BEGIN PRIVATE KEY-----";
            });
            FileTlsPolicy policy = policy(TlsRole.CLIENT, Map.of(
                    "cert-file", leaf.certFile().toString(), "key-file", leaf.keyFile().toString()));
            try (TlsEchoServer echo = new TlsEchoServer(policy)) {
                assertThat(echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters()).served())
                        .as(format.name()).isEqualTo(leaf.certificate());
            }
        }
    }

    /** As in Karaf, where Apache SSHD registers BouncyCastle's provider, which alone has an "ECDSA" key factory. */
    @Test
    void ecKeysLoadWithBouncyCastlesProviderRegistered() throws Exception {
        assertThat(Security.getProvider(BouncyCastleProvider.PROVIDER_NAME)).isNull();
        Security.addProvider(new BouncyCastleProvider());
        try {
            for (KeyFormat format : List.of(KeyFormat.SEC1_EC, KeyFormat.PKCS8_EC, KeyFormat.PKCS1_RSA)) {
                Leaf leaf = pki.leaf("bc-" + format).keyFormat(format).write();
                FileTlsPolicy policy = policy(TlsRole.CLIENT, Map.of(
                        "cert-file", leaf.certFile().toString(), "key-file", leaf.keyFile().toString()));
                try (TlsEchoServer echo = new TlsEchoServer(policy)) {
                    assertThat(echo.connect(TestClients.context(pki.caFile(), Optional.empty()), new SSLParameters()).served())
                            .as(format.name()).isEqualTo(leaf.certificate());
                }
            }
        } finally {
            Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
        }
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsAClearError() {
        Leaf other = pki.leaf("other").write();
        assertThatThrownBy(() -> policy(TlsRole.CLIENT, Map.of(
                "cert-file", server.certFile().toString(), "key-file", other.keyFile().toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match public key in " + server.certFile());
    }

    @Test
    void aMissingCertificateFileIsAClearError() {
        assertThatThrownBy(() -> policy(TlsRole.CLIENT, Map.of(
                "cert-file", dir.resolve("missing.crt").toString(), "key-file", server.keyFile().toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.crt");
    }

    @Test
    void summaryTellsTheServedCertificateAndSettings() {
        TlsSummary summary = clientPolicy(Map.of("client-cert-auth", "true")).summary();

        assertThat(summary.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(summary.subject()).contains("CN=server");
        assertThat(summary.notAfter()).contains(server.certificate().getNotAfter().toInstant());
        assertThat(summary.clientCertAuth()).isTrue();
        assertThat(summary.cipherSuites()).contains("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
                .doesNotContain("TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    }

    @Test
    void withoutCertificateFilesOrAutoTlsThePolicyIsDisabled() {
        FileTlsPolicy policy = policy(TlsRole.PEER, Map.of("peer-client-cert-auth", "true"));

        assertThat(policy.isEnabled()).isFalse();
        assertThat(policy.clientCertAuth()).isFalse();
        assertThat(policy.summary()).isEqualTo(TlsPolicy.disabled(TlsRole.PEER).summary());
        assertThatThrownBy(policy::serverContext).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("peer-cert-file");
        assertThatThrownBy(policy::clientContext).isInstanceOf(IllegalStateException.class);
    }
}
