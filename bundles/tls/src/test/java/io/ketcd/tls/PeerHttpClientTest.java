package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLSession;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer transport's use of a policy: a member dials another with {@link HttpClient} over the
 * policy's {@link TlsPolicy#clientContext()} and {@link TlsPolicy#clientParameters()}, and the
 * other serves HTTPS with its {@link TlsPolicy#serverContext()}. The server answers with the
 * subject of the client certificate it verified.
 */
class PeerHttpClientTest {
    @TempDir
    Path dir;

    private HttpsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI serve(TlsPolicy policy) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(policy.serverContext()) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(policy.serverParameters());
            }
        });
        server.createContext("/raft", exchange -> {
            SSLSession session = ((HttpsExchange) exchange).getSSLSession();
            String peer;
            try {
                peer = session.getPeerPrincipal().getName();
            } catch (IOException e) {
                peer = "anonymous";
            }
            byte[] body = peer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/raft");
    }

    private static HttpResponse<String> dial(TlsPolicy policy, URI uri) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(policy.clientContext())
                .sslParameters(policy.clientParameters())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static FileTlsPolicy peer(Map<String, String> flags) {
        return new FileTlsPolicy(TlsSettings.from(TlsRole.PEER, flags, Map.of()));
    }

    @Test
    void membersDialEachOtherWithMutualTls() throws Exception {
        TestPki pki = TestPki.create(dir, "peer CA");
        TestPki.Leaf m1 = pki.leaf("m1").write();
        TestPki.Leaf m2 = pki.leaf("m2").write();
        TestPki.Leaf stranger = TestPki.create(dir.resolve("other"), "other CA").leaf("m3").write();
        URI uri = serve(peer(Map.of("peer-cert-file", m1.certFile().toString(), "peer-key-file", m1.keyFile().toString(),
                "peer-trusted-ca-file", pki.caFile().toString(), "peer-client-cert-auth", "true")));

        HttpResponse<String> response = dial(peer(Map.of("peer-cert-file", m2.certFile().toString(),
                "peer-key-file", m2.keyFile().toString(), "peer-trusted-ca-file", pki.caFile().toString())), uri);

        assertThat(response.body()).isEqualTo("CN=m2");
        // the stranger trusts our CA, but we do not trust its certificate
        assertThatThrownBy(() -> dial(peer(Map.of("peer-cert-file", stranger.certFile().toString(),
                "peer-key-file", stranger.keyFile().toString(), "peer-trusted-ca-file", pki.caFile().toString())), uri))
                .isInstanceOf(IOException.class);
    }

    @Test
    void withPeerAutoTlsMembersDialWithoutVerifyingTheSelfSignedCertificate() throws Exception {
        URI uri = serve(peer(Map.of("peer-auto-tls", "true", "data-dir", dir.resolve("m1").toString())));

        HttpResponse<String> response = dial(peer(Map.of("peer-auto-tls", "true",
                "data-dir", dir.resolve("m2").toString())), uri);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("anonymous");
    }
}
