package io.ketcd.peer.internal;

import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import javax.net.ssl.SSLSocket;

/**
 * How this member dials its peers: the JDK's {@code java.net.http} client over HTTP/1.1, with
 * the peer {@link TlsPolicy}'s client context and parameters for {@code https} URLs (the member
 * presents its peer certificate, for mutual TLS, and trusts the peer CAs), plain for {@code
 * http} URLs. With a policy that is not enabled an {@code https} URL is not dialed at all: the
 * request fails at once with an {@link IOException} saying which flags are missing, rather than
 * in a handshake with the JDK's default trust. Thread-safe.
 *
 * <p>The JDK client is built on the first request: building it initialises the JDK's default TLS
 * context even for plain {@code http} (about 0.15 s of a member's start) and starts its selector
 * thread, and a single member, or one whose peers all answer on the streams, may never need it.
 */
final class PeerClient {
    private final HttpClient.Builder builder;
    private final TlsPolicy tls;
    private final Duration connectTimeout;
    private volatile HttpClient client;

    private PeerClient(HttpClient.Builder builder, TlsPolicy tls, Duration connectTimeout) {
        this.builder = builder;
        this.tls = tls;
        this.connectTimeout = connectTimeout;
    }

    /** A client whose connects time out after {@code connectTimeout} and whose callbacks run on {@code executor}. */
    static PeerClient create(TlsPolicy tls, Duration connectTimeout, Executor executor) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .executor(executor);
        if (tls.isEnabled()) {
            // the JDK client checks the peer's certificate against the URL's host itself (endpoint identification)
            builder.sslContext(tls.clientContext()).sslParameters(tls.clientParameters());
        }
        return new PeerClient(builder, tls, connectTimeout);
    }

    private HttpClient client() {
        HttpClient built = client;
        if (built == null) {
            synchronized (this) {
                built = client;
                if (built == null) {
                    client = built = builder.build();
                }
            }
        }
        return built;
    }

    /**
     * Puts TLS with the peer policy's client context and parameters over {@code socket}, connected
     * to {@code host}, and completes the handshake (the certificate is checked against {@code
     * host} unless the policy skips verification).
     */
    Socket wrapTls(Socket socket, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.clientContext().getSocketFactory().createSocket(socket, host, port, true);
        ssl.setSSLParameters(tls.clientParameters());
        ssl.startHandshake();
        return ssl;
    }

    /**
     * A stream's GET on a connection of its own ({@link StreamConnection}), after the TLS check;
     * connecting, the handshake and the response head within the connect timeout, watched by a
     * task on {@code timers}.
     */
    StreamConnection openStream(URI url, Map<String, String> headers, Duration readTimeout, ScheduledExecutorService timers)
            throws IOException {
        IOException refused = refusal(url);
        if (refused != null) {
            throw refused;
        }
        return StreamConnection.open(this, url, headers, connectTimeout, readTimeout, timers);
    }

    /** {@link HttpClient#send}, after the TLS check. */
    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        IOException refused = refusal(request.uri());
        if (refused != null) {
            throw refused;
        }
        return client().send(request, handler);
    }

    /** {@link HttpClient#sendAsync}, after the TLS check (a refused URL gives a failed future). */
    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        IOException refused = refusal(request.uri());
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        return client().sendAsync(request, handler);
    }

    /**
     * Whether this client can dial {@code url}: {@code http} and {@code https} only. The JDK's
     * client connects over TCP, so a peer's {@code unix}/{@code unixs} URL (which this member can
     * serve, through the Grizzly host's relay) cannot be dialed.
     */
    static boolean dialable(URI url) {
        return "http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme());
    }

    /** Why {@code url} is not {@linkplain #dialable dialable}. */
    static String notDialable(URI url) {
        return "cannot dial " + url + ": the peer transport dials http and https peer URLs only (the JDK's HTTP client"
                + " has no Unix domain sockets); give the member an http or https peer URL as well";
    }

    private IOException refusal(URI url) {
        if ("https".equalsIgnoreCase(url.getScheme()) && !tls.isEnabled()) {
            return new IOException("cannot dial " + url.getScheme() + "://" + url.getRawAuthority()
                    + ": an https peer URL needs peer TLS, and this member has no peer certificate (set peer-cert-file and"
                    + " peer-key-file, or peer-auto-tls)");
        }
        return null;
    }
}
