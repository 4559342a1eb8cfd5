package io.ketcd.tls.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The server socket of a {@link TrustScopedSslContext}: a plain listening socket that layers
 * each accepted connection with the inner context current at that moment (the JDK's own server
 * socket would keep the context it was made with, and its sessions, forever). The settings made
 * on it ({@link #setSSLParameters} and the single setters) apply to every connection accepted
 * afterwards. Thread-safe.
 */
final class ScopedServerSocket extends SSLServerSocket {
    private final Supplier<SSLContext> current;
    /** The settings for accepted connections; guarded by {@code this}, never handed out. */
    private final SSLParameters parameters;
    /** Guarded by {@code this}. */
    private boolean useClientMode;
    private boolean enableSessionCreation = true;

    ScopedServerSocket(Supplier<SSLContext> current) throws IOException {
        this.current = current;
        this.parameters = serverDefaults(current.get());
    }

    ScopedServerSocket(Supplier<SSLContext> current, int port, int backlog, InetAddress address) throws IOException {
        super(port, backlog, address);
        this.current = current;
        this.parameters = serverDefaults(current.get());
    }

    /** The JDK's defaults for a server of {@code context}, read from an engine rather than a socket. */
    private static SSLParameters serverDefaults(SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        return engine.getSSLParameters();
    }

    @Override
    public Socket accept() throws IOException {
        Socket plain = new Socket();
        implAccept(plain);
        try {
            SSLSocket ssl = (SSLSocket) current.get().getSocketFactory().createSocket(plain, null, true);
            synchronized (this) {
                ssl.setUseClientMode(useClientMode);
                ssl.setSSLParameters(parameters);
                ssl.setEnableSessionCreation(enableSessionCreation);
            }
            return ssl;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    @Override
    public synchronized SSLParameters getSSLParameters() {
        return copy(parameters, new SSLParameters());
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        copy(p, parameters);
    }

    /** Copies every setting of {@code from} into {@code to}; returns {@code to}. */
    private static SSLParameters copy(SSLParameters from, SSLParameters to) {
        if (from.getCipherSuites() != null) {
            to.setCipherSuites(from.getCipherSuites());
        }
        if (from.getProtocols() != null) {
            to.setProtocols(from.getProtocols());
        }
        if (from.getNeedClientAuth()) {
            to.setNeedClientAuth(true);
        } else {
            to.setWantClientAuth(from.getWantClientAuth());
        }
        to.setAlgorithmConstraints(from.getAlgorithmConstraints());
        to.setEndpointIdentificationAlgorithm(from.getEndpointIdentificationAlgorithm());
        if (from.getServerNames() != null) {
            to.setServerNames(from.getServerNames());
        }
        if (from.getSNIMatchers() != null) {
            to.setSNIMatchers(from.getSNIMatchers());
        }
        to.setUseCipherSuitesOrder(from.getUseCipherSuitesOrder());
        to.setEnableRetransmissions(from.getEnableRetransmissions());
        to.setMaximumPacketSize(from.getMaximumPacketSize());
        to.setApplicationProtocols(from.getApplicationProtocols());
        return to;
    }

    @Override
    public synchronized String[] getEnabledCipherSuites() {
        return parameters.getCipherSuites();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        parameters.setCipherSuites(suites);
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return current.get().getSupportedSSLParameters().getCipherSuites();
    }

    @Override
    public String[] getSupportedProtocols() {
        return current.get().getSupportedSSLParameters().getProtocols();
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        return parameters.getProtocols();
    }

    @Override
    public synchronized void setEnabledProtocols(String[] protocols) {
        parameters.setProtocols(protocols);
    }

    @Override
    public synchronized void setNeedClientAuth(boolean need) {
        parameters.setNeedClientAuth(need);
    }

    @Override
    public synchronized boolean getNeedClientAuth() {
        return parameters.getNeedClientAuth();
    }

    @Override
    public synchronized void setWantClientAuth(boolean want) {
        parameters.setWantClientAuth(want);
    }

    @Override
    public synchronized boolean getWantClientAuth() {
        return parameters.getWantClientAuth();
    }

    @Override
    public synchronized void setUseClientMode(boolean mode) {
        useClientMode = mode;
    }

    @Override
    public synchronized boolean getUseClientMode() {
        return useClientMode;
    }

    @Override
    public synchronized void setEnableSessionCreation(boolean flag) {
        enableSessionCreation = flag;
    }

    @Override
    public synchronized boolean getEnableSessionCreation() {
        return enableSessionCreation;
    }

    @Override
    public String toString() {
        return "ScopedServerSocket[" + super.toString() + "]";
    }
}
