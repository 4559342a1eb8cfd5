package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsRole;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class TlsSettingsTest {

    private static TlsSettings client(Map<String, String> properties) {
        return TlsSettings.from(TlsRole.CLIENT, properties, Map.of());
    }

    @Test
    void defaultsAreEtcds() {
        TlsSettings s = client(Map.of());

        assertThat(s.isEnabled()).isFalse();
        assertThat(s.clientCertAuth()).isFalse();
        assertThat(s.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(s.cipherSuites()).isEmpty();
        assertThat(s.selfSignedCertValidityYears()).isEqualTo(1);
        assertThat(s.autoTlsDir()).isEqualTo(Path.of("default.etcd", "fixtures", "client"));
        assertThat(TlsSettings.KEYS).containsEntry("tls-min-version", "TLS1.2").containsEntry("tls-max-version", "")
                .containsEntry("self-signed-cert-validity", "1").containsEntry("client-cert-auth", "false");
    }

    @Test
    void eachRoleReadsItsOwnFlags() {
        Map<String, String> flags = Map.of(
                "cert-file", "/c.crt", "key-file", "/c.key", "trusted-ca-file", "/ca.crt", "client-crl-file", "/c.crl",
                "peer-cert-file", "/p.crt", "peer-key-file", "/p.key", "peer-client-cert-auth", "true",
                "peer-crl-file", "/p.crl", "peer-cert-allowed-cn", "member1");

        TlsSettings client = client(flags);
        TlsSettings peer = TlsSettings.from(TlsRole.PEER, flags, Map.of());

        assertThat(client.certFile()).contains(Path.of("/c.crt"));
        assertThat(client.trustedCaFile()).contains(Path.of("/ca.crt"));
        assertThat(client.crlFile()).contains(Path.of("/c.crl"));
        assertThat(client.clientCertAuth()).isFalse();
        assertThat(client.requiresClientCertificate()).as("a trusted CA file implies it, as in etcd").isTrue();
        assertThat(client.allowedCns()).isEmpty();
        assertThat(peer.certFile()).contains(Path.of("/p.crt"));
        assertThat(peer.keyFile()).contains(Path.of("/p.key"));
        assertThat(peer.trustedCaFile()).isEmpty();
        assertThat(peer.clientCertAuth()).isTrue();
        assertThat(peer.crlFile()).contains(Path.of("/p.crl"));
        assertThat(peer.allowedCns()).containsExactly("member1");
    }

    @Test
    void environmentVariablesOverrideProperties() {
        TlsSettings s = TlsSettings.from(TlsRole.PEER, Map.of("peer-cert-file", "/prop.crt", "peer-key-file", "/k"),
                Map.of("ETCD_PEER_CERT_FILE", "/env.crt", "ETCD_TLS_MAX_VERSION", "TLS1.2"));

        assertThat(s.certFile()).contains(Path.of("/env.crt"));
        assertThat(s.protocols()).containsExactly("TLSv1.2");
    }

    @Test
    void goCipherSuiteNamesMapToJsseNamesInOrder() {
        TlsSettings s = client(Map.of("cipher-suites",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_AES_128_GCM_SHA256,"
                        + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));

        assertThat(s.cipherSuites()).containsExactly("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "SSL_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    }

    @Test
    void anUnknownCipherSuiteIsEtcdsError() {
        assertThatThrownBy(() -> client(Map.of("cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_NOPE")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unexpected TLS cipher suite \"TLS_NOPE\"");
    }

    @Test
    void anUnknownTlsVersionIsEtcdsError() {
        assertThatThrownBy(() -> client(Map.of("tls-min-version", "TLS1.1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unexpected TLS version \"TLS1.1\" (must be one of: TLS1.2, TLS1.3)");
    }

    @Test
    void aMinimumAboveTheMaximumIsEtcdsError() {
        assertThatThrownBy(() -> client(Map.of("tls-min-version", "TLS1.3", "tls-max-version", "TLS1.2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("min version (TLS1.3) is greater than max version (TLS1.2)");
    }

    @Test
    void cipherSuitesWithTls13OnlyIsEtcdsError() {
        assertThatThrownBy(() -> client(Map.of("tls-min-version", "TLS1.3",
                "cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cipher suites cannot be configured when only TLS1.3 is enabled");
    }

    @Test
    void aCertificateWithoutItsKeyIsEtcdsError() {
        assertThatThrownBy(() -> client(Map.of("cert-file", "/c.crt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("KeyFile and CertFile must both be present[key: , cert: /c.crt]");
    }

    @Test
    void allowedCnAndAllowedHostnameAreMutuallyExclusive() {
        assertThatThrownBy(() -> TlsSettings.from(TlsRole.PEER, Map.of(
                "peer-cert-allowed-cn", "m1", "peer-cert-allowed-hostname", "m1.example.com"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AllowedCN and AllowedHostname are mutually exclusive (cn=\"m1\", hostname=\"m1.example.com\")");
    }

    @Test
    void unparsableValuesNameTheFlag() {
        assertThatThrownBy(() -> client(Map.of("client-cert-auth", "yes")))
                .hasMessage("invalid value \"yes\" for flag -client-cert-auth: parse error");
        assertThatThrownBy(() -> client(Map.of("self-signed-cert-validity", "-1")))
                .hasMessage("invalid value \"-1\" for flag -self-signed-cert-validity: parse error");
    }

    @Test
    void autoTlsHostsComeFromTheRolesListenUrls() {
        TlsSettings client = client(Map.of("auto-tls", "true",
                "listen-client-urls", "https://10.0.0.1:2379,https://node1.example.com:2379",
                "listen-client-http-urls", "https://10.0.0.1:2381"));
        TlsSettings peer = TlsSettings.from(TlsRole.PEER, Map.of("peer-auto-tls", "true",
                "listen-peer-urls", "https://[fd00::1]:2380"), Map.of());

        assertThat(client.autoTlsHosts()).containsExactly("10.0.0.1", "node1.example.com");
        assertThat(client.usesAutoTls()).isTrue();
        assertThat(client.isEnabled()).isTrue();
        assertThat(peer.autoTlsHosts()).containsExactly("fd00::1");
    }

    @Test
    void autoTlsIsNotUsedWhenCertificateFilesAreGiven() {
        TlsSettings s = client(Map.of("auto-tls", "true", "cert-file", "/c.crt", "key-file", "/c.key"));

        assertThat(s.autoTls()).isTrue();
        assertThat(s.usesAutoTls()).isFalse();
        assertThat(s.isEnabled()).isTrue();
    }

    @Test
    void theRecordValidatesDirectConstructionToo() {
        assertThatThrownBy(() -> new TlsSettings(TlsRole.CLIENT, Optional.empty(), Optional.empty(), Optional.empty(),
                false, Optional.empty(), false, Path.of("x"), List.of(), 1, List.of(), List.of(), List.of(),
                "TLSv1.1", "TLSv1.3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unexpected TLS version \"TLSv1.1\"");
    }
}
