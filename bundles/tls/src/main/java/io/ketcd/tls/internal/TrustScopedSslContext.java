package io.ketcd.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Enumeration;
import java.util.Objects;
import java.util.function.Supplier;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-lived {@link SSLContext} whose TLS sessions last only as long as the trust material they
 * were verified against: each engine, socket and server-accepted socket comes from an inner
 * context, and when the trust material changes (a new CRL, a new CA bundle) the next connection
 * gets a fresh inner context, with an empty session cache and new session ticket keys. A client
 * that tries to resume a session of the old context (by session id, or with a TLS 1.2 ticket or
 * TLS 1.3 pre-shared key the old keys encrypted) is not found and goes through a full handshake,
 * so the trust manager sees its certificate.
 *
 * <p>Why: the JDK calls the trust manager only on full handshakes, and its server resumes
 * sessions from its cache and from stateless tickets (issued by default since JDK 13), so a
 * check made in the trust manager would not stop a client that resumes a session it made
 * before its certificate was revoked. Sessions live in the {@code SSLContext}
 * ({@code SSLSessionContextImpl} holds both the cache and the ticket keys), so a new inner context
 * ends all of them at once. Changes that do not affect trust (the context's own certificate
 * rotating, which its key manager serves per handshake) keep the sessions.
 *
 * <p>Each {@link #createSSLEngine}, socket creation and accept asks the trust version supplier
 * (stats of the files, no reads unless they changed) and compares it with {@link
 * Object#equals} to the version the inner context was built for. Server sockets from {@link
 * #getServerSocketFactory()} follow too: each accepted connection is layered with the current
 * inner context ({@link ScopedServerSocket}). Settings made through {@link
 * #getServerSessionContext()} and {@link #getClientSessionContext()} (timeout, cache size) carry
 * over to later inner contexts. {@link #init} is refused: the context comes initialised.
 * A connection is bound to the inner context when its engine or socket is made, so one whose
 * engine was made just before a change may still resume; connections already open stay open.
 * Thread-safe; lock order: the {@code Spi}, then a {@code SessionSettings}.
 */
public final class TrustScopedSslContext extends SSLContext {
    private static final Logger LOG = LoggerFactory.getLogger(TrustScopedSslContext.class);

    private TrustScopedSslContext(Spi spi, SSLContext first) {
        super(spi, first.getProvider(), first.getProtocol());
    }

    /**
     * @param what names the context in the log line of a renewal, e.g. {@code server context of the peer role}
     * @param trustVersion the current version of the trust material; a value not equal to the
     *     previous one renews the inner context. Called once per connection, so it must be cheap.
     * @param contexts builds a new, initialised inner context; its trust manager must check
     *     against material at least as new as the version read just before the call
     */
    public static TrustScopedSslContext create(String what, Supplier<?> trustVersion, Supplier<SSLContext> contexts) {
        Spi spi = new Spi(what, trustVersion, contexts);
        return new TrustScopedSslContext(spi, spi.current());
    }

    /** One inner context and the trust version it was built for. */
    private record Generation(Object trustVersion, SSLContext context) {
    }

    private static final class Spi extends SSLContextSpi {
        private final String what;
        private final Supplier<?> trustVersion;
        private final Supplier<SSLContext> contexts;
        private final SessionSettings serverSessions = new SessionSettings(this, true);
        private final SessionSettings clientSessions = new SessionSettings(this, false);
        private final SSLSocketFactory socketFactory = new ScopedSocketFactory(this::current);
        private final SSLServerSocketFactory serverSocketFactory = new ScopedServerSocketFactory(this::current);
        /** Replaced under {@code this}, read without it. */
        private volatile Generation generation;

        Spi(String what, Supplier<?> trustVersion, Supplier<SSLContext> contexts) {
            this.what = what;
            this.trustVersion = trustVersion;
            this.contexts = contexts;
            Object version = Objects.requireNonNull(trustVersion.get());
            this.generation = new Generation(version, contexts.get());
        }

        /** The inner context for a new connection, renewed first if the trust material changed. */
        SSLContext current() {
            Object version = Objects.requireNonNull(trustVersion.get());
            Generation g = generation;
            if (g.trustVersion().equals(version)) {
                return g.context();
            }
            synchronized (this) {
                g = generation;
                if (!g.trustVersion().equals(version)) {
                    // the version is read before the build, so the new context never predates it
                    SSLContext fresh = contexts.get();
                    serverSessions.applyTo(fresh.getServerSessionContext());
                    clientSessions.applyTo(fresh.getClientSessionContext());
                    g = new Generation(version, fresh);
                    generation = g;
                    LOG.info("trust material of the {} changed: TLS sessions established before end, "
                            + "their clients handshake in full again", what);
                }
                return g.context();
            }
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException("this context is initialised already and follows its files");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return socketFactory;
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return serverSocketFactory;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return serverSessions;
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return clientSessions;
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return generation.context().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return generation.context().getSupportedSSLParameters();
        }
    }

    /**
     * The server or client session context of whichever inner context is current; the timeout and
     * cache size set here apply to it and to every later one.
     */
    private static final class SessionSettings implements SSLSessionContext {
        private final Spi spi;
        private final boolean server;
        /** Set through this facade, or -1; guarded by {@code this}. */
        private int timeout = -1;
        private int cacheSize = -1;

        SessionSettings(Spi spi, boolean server) {
            this.spi = spi;
            this.server = server;
        }

        private SSLSessionContext inner() {
            SSLContext context = spi.current();
            return server ? context.getServerSessionContext() : context.getClientSessionContext();
        }

        synchronized void applyTo(SSLSessionContext fresh) {
            if (timeout >= 0) {
                fresh.setSessionTimeout(timeout);
            }
            if (cacheSize >= 0) {
                fresh.setSessionCacheSize(cacheSize);
            }
        }

        @Override
        public SSLSession getSession(byte[] sessionId) {
            return inner().getSession(sessionId);
        }

        @Override
        public Enumeration<byte[]> getIds() {
            return inner().getIds();
        }

        @Override
        public void setSessionTimeout(int seconds) {
            if (seconds < 0) {
                throw new IllegalArgumentException("negative session timeout " + seconds);
            }
            // under the Spi's lock, so that a renewal in between cannot miss the new value
            synchronized (spi) {
                synchronized (this) {
                    timeout = seconds;
                }
                inner().setSessionTimeout(seconds);
            }
        }

        @Override
        public int getSessionTimeout() {
            return inner().getSessionTimeout();
        }

        @Override
        public void setSessionCacheSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("negative session cache size " + size);
            }
            synchronized (spi) {
                synchronized (this) {
                    cacheSize = size;
                }
                inner().setSessionCacheSize(size);
            }
        }

        @Override
        public int getSessionCacheSize() {
            return inner().getSessionCacheSize();
        }
    }

    /** Client sockets (and sockets layered over a connected one) of the current inner context. */
    private static final class ScopedSocketFactory extends SSLSocketFactory {
        private final Supplier<SSLContext> current;

        ScopedSocketFactory(Supplier<SSLContext> current) {
            this.current = current;
        }

        private SSLSocketFactory inner() {
            return current.get().getSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return inner().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return inner().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return inner().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return inner().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return inner().createSocket(s, consumed, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return inner().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return inner().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return inner().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return inner().createSocket(address, port, localAddress, localPort);
        }
    }

    /** Server sockets whose accepted connections each use the inner context current then. */
    private static final class ScopedServerSocketFactory extends SSLServerSocketFactory {
        private final Supplier<SSLContext> current;

        ScopedServerSocketFactory(Supplier<SSLContext> current) {
            this.current = current;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return current.get().getServerSocketFactory().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return current.get().getServerSocketFactory().getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new ScopedServerSocket(current);
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ScopedServerSocket(current, port, 50, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return new ScopedServerSocket(current, port, backlog, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return new ScopedServerSocket(current, port, backlog, address);
        }
    }
}
