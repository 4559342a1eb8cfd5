package io.ketcd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.TestPki.Leaf;
import io.ketcd.tls.PemFiles;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK does not ask the trust manager when a client resumes a TLS session (from the server's
 * cache, or with a TLS 1.2 ticket or TLS 1.3 pre-shared key), so a change of the CRL or the CA
 * bundle must end the sessions established before it: a revoked client that would resume is
 * refused. Over both kinds of servers the JDK offers: sockets from {@link
 * SSLContext#getServerSocketFactory()} ({@link TlsEchoServer}) and engines from {@link
 * SSLContext#createSSLEngine()} (the JDK's HTTPS server, as Grizzly and Netty use them).
 *
 * <p>Each client context is used for all connections of a client, so it offers its last session
 * again; a {@link CountingKeyManager} tells full handshakes (the server asks for the client's
 * certificate) from resumed ones (it does not).
 */
class SessionResumptionTest {
    @TempDir
    Path dir;

    private TestPki pki;
    private Leaf server;

    @BeforeEach
    void issueServerCertificate() {
        pki = TestPki.create(dir, "test CA");
        server = pki.leaf("server").write();
    }

    /** How the server makes its connections: {@link SSLContext#getServerSocketFactory()} or {@link SSLContext#createSSLEngine()}. */
    enum ServerKind { SOCKETS, ENGINES }

    static List<Arguments> serversAndVersions() {
        return List.of(Arguments.of(ServerKind.SOCKETS, TlsSettings.TLS12), Arguments.of(ServerKind.SOCKETS, TlsSettings.TLS13),
                Arguments.of(ServerKind.ENGINES, TlsSettings.TLS12), Arguments.of(ServerKind.ENGINES, TlsSettings.TLS13));
    }

    private FileTlsPolicy policy(Path crl) {
        return new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "cert-file", server.certFile().toString(), "key-file", server.keyFile().toString(),
                "client-cert-auth", "true", "trusted-ca-file", pki.caFile().toString(),
                "client-crl-file", crl.toString()), Map.of()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("serversAndVersions")
    void aClientRevokedByANewCrlCannotResumeItsSession(ServerKind kind, String protocol) throws Exception {
        Client member = new Client(pki.leaf("member").write(), pki.caFile(), protocol);
        Client other = new Client(pki.leaf("other").write(), pki.caFile(), protocol);
        Path crl = pki.crl("clients.crl", true);
        try (Server s = Server.start(kind, policy(crl))) {
            Session first = member.connect(s);
            Session resumed = member.connect(s);
            other.connect(s);
            other.connect(s);

            // resumption happens: no new certificate request, and for TLS 1.2 the same session
            assertThat(first.protocol()).isEqualTo(protocol);
            assertThat(member.certificateRequests()).isEqualTo(1);
            assertThat(other.certificateRequests()).isEqualTo(1);
            if (protocol.equals(TlsSettings.TLS12)) {
                assertThat(resumed.id()).isEqualTo(first.id());
            }

            pki.crl("clients.crl", true, member.leaf.certificate());

            assertThatThrownBy(() -> member.connect(s)).isInstanceOf(IOException.class);
            // the other client's session ended too, and it handshakes in full, successfully
            assertThat(other.connect(s).protocol()).isEqualTo(protocol);
            assertThat(other.certificateRequests()).isEqualTo(2);
            other.connect(s);
            assertThat(other.certificateRequests()).as("resumes its new session").isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("serversAndVersions")
    void aRotatedServerCertificateKeepsTheSessions(ServerKind kind, String protocol) throws Exception {
        Client member = new Client(pki.leaf("member").write(), pki.caFile(), protocol);
        try (Server s = Server.start(kind, policy(pki.crl("clients.crl", true)))) {
            member.connect(s);
            member.connect(s);

            pki.leaf("rotated").write(server.certFile(), server.keyFile());
            member.connect(s);

            assertThat(member.certificateRequests()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("serversAndVersions")
    void aNewTrustedCaFileEndsTheSessionsOfClientsItNoLongerTrusts(ServerKind kind, String protocol) throws Exception {
        Client member = new Client(pki.leaf("member").write(), pki.caFile(), protocol);
        Path trusted = Files.copy(pki.caFile(), dir.resolve("trusted.pem"));
        FileTlsPolicy policy = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "cert-file", server.certFile().toString(), "key-file", server.keyFile().toString(),
                "trusted-ca-file", trusted.toString()), Map.of()));
        try (Server s = Server.start(kind, policy)) {
            member.connect(s);
            member.connect(s);
            assertThat(member.certificateRequests()).isEqualTo(1);

            Files.copy(TestPki.create(dir.resolve("next"), "next CA").caFile(), trusted, StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> member.connect(s)).isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TlsSettings.TLS12, TlsSettings.TLS13})
    void dialingWithANewTrustedCaFileDoesNotResumeSessionsWithServersItNoLongerTrusts(String protocol) throws Exception {
        Path trusted = Files.copy(pki.caFile(), dir.resolve("trusted.pem"));
        Leaf member = pki.leaf("member").write();
        FileTlsPolicy dialing = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "cert-file", member.certFile().toString(), "key-file", member.keyFile().toString(),
                "trusted-ca-file", trusted.toString()), Map.of()));
        FileTlsPolicy serving = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, Map.of(
                "cert-file", server.certFile().toString(), "key-file", server.keyFile().toString()), Map.of()));
        SSLParameters parameters = dialing.clientParameters();
        parameters.setProtocols(new String[] {protocol});
        try (TlsEchoServer echo = new TlsEchoServer(serving)) {
            echo.connect(dialing.clientContext(), parameters);
            echo.connect(dialing.clientContext(), parameters);

            Files.copy(TestPki.create(dir.resolve("next"), "next CA").caFile(), trusted, StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> echo.connect(dialing.clientContext(), parameters)).isInstanceOf(IOException.class);
        }
    }

    /** A server of the policy on 127.0.0.1 that, after the handshake, sends {@code 'k'} first. */
    private interface Server extends AutoCloseable {
        int port();

        /** What a client sends after the handshake: nothing to the echo server, which does not read. */
        default byte[] request() {
            return new byte[0];
        }

        static Server start(ServerKind kind, TlsPolicy policy) throws Exception {
            return switch (kind) {
                case SOCKETS -> {
                    TlsEchoServer echo = new TlsEchoServer(policy);
                    yield new Server() {
                        @Override
                        public int port() {
                            return echo.port();
                        }

                        @Override
                        public void close() throws Exception {
                            echo.close();
                        }
                    };
                }
                case ENGINES -> {
                    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                    https.setHttpsConfigurator(new HttpsConfigurator(policy.serverContext()) {
                        @Override
                        public void configure(HttpsParameters params) {
                            params.setSSLParameters(policy.serverParameters());
                        }
                    });
                    https.createContext("/", exchange -> {
                        exchange.sendResponseHeaders(200, -1);
                        exchange.close();
                    });
                    https.start();
                    yield new Server() {
                        @Override
                        public int port() {
                            return https.getAddress().getPort();
                        }

                        @Override
                        public byte[] request() {
                            return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                        }

                        @Override
                        public void close() {
                            https.stop(0);
                        }
                    };
                }
            };
        }
    }

    record Session(String id, String protocol) {
    }

    /** One client: one context for all its connections, offering only {@code protocol}. */
    private static final class Client {
        final Leaf leaf;
        private final String protocol;
        private final CountingKeyManager keys;
        private final SSLContext context;

        Client(Leaf leaf, Path caFile, String protocol) throws Exception {
            this.leaf = leaf;
            this.protocol = protocol;
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("leaf", PemFiles.privateKey(leaf.keyFile()), new char[0],
                    new X509Certificate[] {leaf.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(store, new char[0]);
            this.keys = new CountingKeyManager((X509ExtendedKeyManager) kmf.getKeyManagers()[0]);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", PemFiles.certificates(caFile).get(0));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            this.context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, tmf.getTrustManagers(), null);
        }

        int certificateRequests() {
            return keys.requests.get();
        }

        /**
         * Handshakes, sends the server's request and reads the first byte of its answer.
         *
         * @throws IOException when the handshake fails or the server closes the connection
         */
        Session connect(Server server) throws IOException {
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.setEnabledProtocols(new String[] {protocol});
                socket.startHandshake();
                InputStream in = socket.getInputStream();
                socket.getOutputStream().write(server.request());
                int b = in.read();
                if (b != 'k' && b != 'H') {
                    throw new IOException("the server closed the connection after the handshake (read " + b + ")");
                }
                return new Session(HexFormat.of().formatHex(socket.getSession().getId()), socket.getSession().getProtocol());
            }
        }
    }

    /** The client's key manager, counting the server's requests for a certificate: one per full handshake. */
    private static final class CountingKeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;
        final AtomicInteger requests = new AtomicInteger();

        CountingKeyManager(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            requests.incrementAndGet();
            return keys.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            requests.incrementAndGet();
            return keys.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }
}
