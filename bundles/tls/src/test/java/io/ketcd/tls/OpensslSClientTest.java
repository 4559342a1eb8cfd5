package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ketcd.api.transport.TlsRole;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The versions and cipher suites a policy enforces, as OpenSSL's {@code s_client} sees them. */
class OpensslSClientTest {
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    @TempDir
    Path dir;

    private TestPki.Leaf server;

    @BeforeEach
    void issue() {
        assumeTrue(Files.isExecutable(OPENSSL), "openssl is not installed");
        server = TestPki.create(dir, "test CA").leaf("server").write();
    }

    private FileTlsPolicy policy(Map<String, String> more) {
        Map<String, String> flags = new HashMap<>(Map.of(
                "cert-file", server.certFile().toString(), "key-file", server.keyFile().toString()));
        flags.putAll(more);
        return new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, flags, Map.of()));
    }

    private record Result(int exitCode, String output) {
    }

    private Result sClient(int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl s_client did not finish: " + command);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aTls13MinimumRefusesTls12() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(policy(Map.of("tls-min-version", "TLS1.3")))) {
            Result tls12 = sClient(echo.port(), "-tls1_2");
            Result tls13 = sClient(echo.port(), "-tls1_3");

            assertThat(tls12.exitCode()).as(tls12.output()).isNotZero();
            assertThat(tls12.output()).contains("alert protocol version");
            assertThat(tls13.exitCode()).as(tls13.output()).isZero();
            assertThat(tls13.output()).contains("New, TLSv1.3, Cipher is TLS_");
        }
    }

    @Test
    void onlyTheListedCipherSuitesAreNegotiated() throws Exception {
        try (TlsEchoServer echo = new TlsEchoServer(policy(Map.of(
                "tls-max-version", "TLS1.2", "cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")))) {
            Result outside = sClient(echo.port(), "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384");
            Result listed = sClient(echo.port(), "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
            Result tls13 = sClient(echo.port(), "-tls1_3");

            assertThat(outside.exitCode()).as(outside.output()).isNotZero();
            assertThat(outside.output()).contains("handshake failure");
            assertThat(listed.exitCode()).as(listed.output()).isZero();
            assertThat(listed.output()).contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
            assertThat(tls13.exitCode()).as("TLS1.3 is above the maximum: " + tls13.output()).isNotZero();
        }
    }
}
