package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.ketcd.testing.Await;
import io.ketcd.tls.TestPki;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client TLS end to end: a member serving {@code https} client URLs with the TLS flags, used by
 * real etcdctl (with {@code --cacert/--cert/--key}), jetcd and {@code openssl s_client}. As in
 * etcd, a {@code trusted-ca-file} alone already makes client certificates mandatory, so the tests
 * without client authentication set none.
 */
class ClientTlsTest {
    private static final Duration ROTATION = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private TestPki pki;
    private TestPki.Leaf serverCert;
    private TestPki.Leaf clientCert;

    @BeforeEach
    void certificates() {
        pki = TestPki.create(dir.resolve("pki"), "ketcd test CA");
        serverCert = pki.leaf("ketcd server").sans("127.0.0.1", "localhost").write();
        clientCert = pki.leaf("root").keyFormat(TestPki.KeyFormat.PKCS8_RSA).write();
    }

    private EmbeddedEtcd start(Map<String, String> tls) throws Exception {
        Map<String, String> cfg = new HashMap<>(Map.of(
                "data-dir", dir.resolve("node").toString(),
                "listen-client-urls", "https://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", "http://127.0.0.1:0",
                "cert-file", serverCert.certFile().toString(),
                "key-file", serverCert.keyFile().toString()));
        cfg.putAll(tls);
        return EmbeddedEtcd.start(cfg);
    }

    private static int port(EmbeddedEtcd etcd) {
        return ((InetSocketAddress) etcd.grpcAddresses().get(0)).getPort();
    }

    private List<String> etcdctlFlags(EmbeddedEtcd etcd, boolean withCertificate) {
        String endpoint = "--endpoints=https://127.0.0.1:" + port(etcd);
        return withCertificate
                ? List.of(endpoint, "--cacert=" + pki.caFile(), "--cert=" + clientCert.certFile(), "--key=" + clientCert.keyFile())
                : List.of(endpoint, "--cacert=" + pki.caFile());
    }

    @Test
    void etcdctlAndJetcdOverTlsWithoutClientCertAuth() throws Exception {
        assumeTrue(Files.isExecutable(Command.ETCDCTL), "etcdctl is not installed (apt-get install etcd-client)");
        try (EmbeddedEtcd etcd = start(Map.of())) {
            assertThat(etcd.grpcEndpoint()).startsWith("https://");
            assertThat(Command.etcdctl(etcdctlFlags(etcd, false), "put", "tls/a", "1").out()).isEqualTo("OK\n");
            assertThat(Command.etcdctl(etcdctlFlags(etcd, true), "get", "tls/a").out()).isEqualTo("tls/a\n1\n");

            try (Client jetcd = Client.builder().endpoints(etcd.grpcEndpoint())
                    .sslContext(b -> b.trustManager(pki.caFile().toFile())).build()) {
                jetcd.getKVClient().put(bs("tls/b"), bs("2")).get(10, TimeUnit.SECONDS);
                assertThat(jetcd.getKVClient().get(bs("tls/a")).get(10, TimeUnit.SECONDS).getKvs().get(0)
                        .getValue().toString(UTF_8)).isEqualTo("1");
            }
            Command plain = Command.etcdctl(List.of("--endpoints=http://127.0.0.1:" + port(etcd)), "get", "tls/b");
            assertThat(plain.succeeded()).as("plain text on the TLS port: %s", plain).isFalse();
        }
    }

    @Test
    void clientCertAuthRefusesAClientWithoutACertificate() throws Exception {
        assumeTrue(Files.isExecutable(Command.ETCDCTL), "etcdctl is not installed (apt-get install etcd-client)");
        try (EmbeddedEtcd etcd = start(Map.of("client-cert-auth", "true", "trusted-ca-file", pki.caFile().toString()))) {
            assertThat(Command.etcdctl(etcdctlFlags(etcd, true), "put", "auth/a", "1").out()).isEqualTo("OK\n");

            Command anonymous = Command.etcdctl(etcdctlFlags(etcd, false), "get", "auth/a");
            assertThat(anonymous.succeeded()).as("etcdctl without --cert: %s", anonymous).isFalse();

            TestPki other = TestPki.create(dir.resolve("other"), "another CA");
            TestPki.Leaf stranger = other.leaf("root").write();
            Command foreign = Command.etcdctl(List.of("--endpoints=https://127.0.0.1:" + port(etcd),
                    "--cacert=" + pki.caFile(), "--cert=" + stranger.certFile(), "--key=" + stranger.keyFile()), "get", "auth/a");
            assertThat(foreign.succeeded()).as("a certificate from another CA: %s", foreign).isFalse();

            try (Client jetcd = Client.builder().endpoints(etcd.grpcEndpoint())
                    .sslContext(b -> b.trustManager(pki.caFile().toFile())
                            .keyManager(clientCert.certFile().toFile(), clientCert.keyFile().toFile())).build()) {
                assertThat(jetcd.getKVClient().get(bs("auth/a")).get(10, TimeUnit.SECONDS).getCount()).isEqualTo(1);
            }
            try (Client withoutCertificate = Client.builder().endpoints(etcd.grpcEndpoint())
                    .sslContext(b -> b.trustManager(pki.caFile().toFile())).build()) {
                assertThat(failure(() -> withoutCertificate.getKVClient().get(bs("auth/a")).get(10, TimeUnit.SECONDS)))
                        .as("jetcd without a certificate").isNotNull();
            }
        }
    }

    /**
     * etcd's auth over TLS: with client-cert-auth, a verified certificate's CN is the user when no
     * token comes; users that log in get JWT tokens signed with an RS256 key pair.
     */
    @Test
    void withClientCertAuthACertificatesCommonNameIsTheUserAndPasswordsGetJwtTokens() throws Exception {
        Path priv = dir.resolve("jwt.key");
        Path pub = dir.resolve("jwt.pub");
        assertThat(Command.run(List.of(Command.OPENSSL.toString(), "genrsa", "-out", priv.toString(), "2048"),
                java.time.Duration.ofSeconds(60)).succeeded()).isTrue();
        assertThat(Command.run(List.of(Command.OPENSSL.toString(), "rsa", "-in", priv.toString(), "-pubout", "-out",
                pub.toString()), java.time.Duration.ofSeconds(60)).succeeded()).isTrue();
        TestPki.Leaf aliceCert = pki.leaf("alice").keyFormat(TestPki.KeyFormat.PKCS8_RSA).write();
        try (EmbeddedEtcd etcd = start(Map.of("client-cert-auth", "true", "trusted-ca-file", pki.caFile().toString(),
                "auth-token", "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256"))) {
            List<String> asRoot = etcdctlFlags(etcd, true);
            assertThat(Command.etcdctl(asRoot, "user", "add", "root:rootpw").out()).isEqualTo("User root created\n");
            assertThat(Command.etcdctl(asRoot, "role", "add", "app").out()).isEqualTo("Role app created\n");
            assertThat(Command.etcdctl(asRoot, "role", "grant-permission", "app", "--prefix=true", "readwrite", "app/")
                    .out()).isEqualTo("Role app updated\n");
            assertThat(Command.etcdctl(asRoot, "user", "add", "alice:alicepw").out()).isEqualTo("User alice created\n");
            assertThat(Command.etcdctl(asRoot, "user", "grant-role", "alice", "app").out())
                    .isEqualTo("Role app is granted to user alice\n");
            assertThat(Command.etcdctl(asRoot, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");

            List<String> asAlice = List.of("--endpoints=https://127.0.0.1:" + port(etcd), "--cacert=" + pki.caFile(),
                    "--cert=" + aliceCert.certFile(), "--key=" + aliceCert.keyFile());
            assertThat(Command.etcdctl(asAlice, "put", "app/x", "1").out()).isEqualTo("OK\n");
            assertThat(Command.etcdctl(asAlice, "put", "other/x", "1").err()).contains("Error: etcdserver: permission denied");
            assertThat(Command.etcdctl(asRoot, "put", "other/x", "1").out()).isEqualTo("OK\n");

            try (Client jetcd = Client.builder().endpoints(etcd.grpcEndpoint())
                    .sslContext(b -> b.trustManager(pki.caFile().toFile())
                            .keyManager(aliceCert.certFile().toFile(), aliceCert.keyFile().toFile()))
                    .user(bs("root")).password(bs("rootpw")).build()) {
                // the token (root's) comes before the certificate (alice's), as in etcd
                jetcd.getKVClient().put(bs("other/y"), bs("2")).get(10, TimeUnit.SECONDS);
                assertThat(jetcd.getKVClient().get(bs("other/y")).get(10, TimeUnit.SECONDS).getCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void opensslSeesVersionsAndCipherSuitesEnforced() throws Exception {
        assumeTrue(Files.isExecutable(Command.OPENSSL), "openssl is not installed");
        try (EmbeddedEtcd etcd = start(Map.of("tls-min-version", "TLS1.2", "tls-max-version", "TLS1.2",
                "cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))) {
            int port = port(etcd);
            Command allowed = Command.sClient(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256");
            assertThat(allowed.out()).as("%s", allowed).containsPattern("Cipher is ECDHE-(RSA|ECDSA)-AES128-GCM-SHA256");
            Command otherSuite = Command.sClient(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384");
            assertThat(otherSuite.succeeded()).as("a suite outside cipher-suites: %s", otherSuite).isFalse();
            Command tls13 = Command.sClient(port, "-tls1_3");
            assertThat(tls13.succeeded()).as("TLS 1.3 above tls-max-version: %s", tls13).isFalse();
        }
        try (EmbeddedEtcd etcd = start(Map.of("tls-min-version", "TLS1.3"))) {
            Command tls12 = Command.sClient(port(etcd), "-tls1_2");
            assertThat(tls12.succeeded()).as("TLS 1.2 below tls-min-version: %s", tls12).isFalse();
            Command tls13 = Command.sClient(port(etcd), "-tls1_3");
            assertThat(tls13.out()).as("%s", tls13).contains("TLSv1.3");
        }
    }

    @Test
    void aRotatedCertificateIsServedToTheNextConnectionWithoutRestart() throws Exception {
        assumeTrue(Files.isExecutable(Command.OPENSSL), "openssl is not installed");
        try (EmbeddedEtcd etcd = start(Map.of())) {
            assertThat(Command.sClient(port(etcd)).out()).contains("CN = ketcd server");

            pki.leaf("ketcd server rotated").sans("127.0.0.1", "localhost").write(serverCert.certFile(), serverCert.keyFile());

            Await.until("openssl served the rotated certificate", ROTATION,
                    () -> sClientOutput(port(etcd)).contains("CN = ketcd server rotated"));
            assertThat(Command.etcdctl(etcdctlFlags(etcd, false), "put", "rotated", "yes").out()).isEqualTo("OK\n");
        }
    }

    private static String sClientOutput(int port) {
        try {
            return Command.sClient(port).out();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Throwable failure(ThrowingRunnable call) {
        try {
            call.run();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }
}
