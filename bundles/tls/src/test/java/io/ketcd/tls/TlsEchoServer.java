package io.ketcd.tls;

import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on 127.0.0.1 (port 0) secured by a policy's {@link TlsPolicy#serverContext()} and
 * {@link TlsPolicy#serverParameters()}, as a listener of ketcd would be: each connection
 * handshakes, gets one byte ({@code 'k'}) and is closed. {@link #connect} is the matching
 * client, which only succeeds when the server accepted the handshake (with TLS 1.3 a refused
 * client certificate shows on the client's first read, not in its handshake).
 */
final class TlsEchoServer implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 10_000;

    private final SSLServerSocket socket;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();

    TlsEchoServer(TlsPolicy policy) throws IOException {
        socket = (SSLServerSocket) policy.serverContext().getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket.setSSLParameters(policy.serverParameters());
        acceptor.execute(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (SSLSocket connection = (SSLSocket) socket.accept()) {
                connection.setSoTimeout(TIMEOUT_MILLIS);
                connection.startHandshake();
                connection.getOutputStream().write('k');
                connection.getOutputStream().flush();
            } catch (SocketException e) {
                // closed by close(), or the client went away
            } catch (IOException e) {
                // a refused handshake: the client sees it
            }
        }
    }

    /** What one successful connection saw. */
    record Connection(X509Certificate served, String protocol, String cipherSuite) {
    }

    /**
     * Connects as a client with {@code context} and {@code parameters} to 127.0.0.1 and reads the
     * server's byte.
     *
     * @throws IOException when the handshake fails on either side
     */
    Connection connect(SSLContext context, SSLParameters parameters) throws IOException {
        try (SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port())) {
            client.setSoTimeout(TIMEOUT_MILLIS);
            client.setSSLParameters(parameters);
            client.startHandshake();
            InputStream in = client.getInputStream();
            int b = in.read();
            if (b != 'k') {
                throw new IOException("the server closed the connection after the handshake (read " + b + ")");
            }
            return new Connection((X509Certificate) client.getSession().getPeerCertificates()[0],
                    client.getSession().getProtocol(), client.getSession().getCipherSuite());
        }
    }

    @Override
    public void close() throws Exception {
        socket.close();
        acceptor.shutdown();
        if (!acceptor.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the accept loop did not stop");
        }
    }
}
