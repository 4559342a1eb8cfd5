package io.ketcd.transport;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;

import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A policy that has a certificate as far as the factory can tell: opening a listener asks only
 * {@link #isEnabled()} and {@link #clientCertAuth()}; the contexts belong to the serving server.
 */
record EnabledTlsPolicy(TlsRole role, boolean clientCertAuth) implements TlsPolicy {

    @Override
    public boolean isEnabled() {
        return true;
    }

    @Override
    public SSLContext serverContext() {
        throw new UnsupportedOperationException("a listener is opened without the TLS context");
    }

    @Override
    public SSLParameters serverParameters() {
        return new SSLParameters();
    }

    @Override
    public SSLContext clientContext() {
        throw new UnsupportedOperationException("a listener is opened without the TLS context");
    }

    @Override
    public SSLParameters clientParameters() {
        return new SSLParameters();
    }

    @Override
    public TlsSummary summary() {
        return new TlsSummary(List.of(), List.of(), Optional.empty(), Optional.empty(), clientCertAuth);
    }
}
