package io.ketcd.http;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;

import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link TlsPolicy} over one fixed context, serving and dialing with the same certificate (as
 * an etcd member does with its peer certificate), TLS 1.2 and 1.3.
 */
public final class TestTlsPolicy implements TlsPolicy {
    private final TlsRole role;
    private final SSLContext context;
    private final boolean clientCertAuth;

    public TestTlsPolicy(TlsRole role, SSLContext context, boolean clientCertAuth) {
        this.role = role;
        this.context = context;
        this.clientCertAuth = clientCertAuth;
    }

    @Override
    public TlsRole role() {
        return role;
    }

    @Override
    public boolean isEnabled() {
        return true;
    }

    @Override
    public boolean clientCertAuth() {
        return clientCertAuth;
    }

    @Override
    public SSLContext serverContext() {
        return context;
    }

    @Override
    public SSLParameters serverParameters() {
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        p.setNeedClientAuth(clientCertAuth);
        return p;
    }

    @Override
    public SSLContext clientContext() {
        return context;
    }

    @Override
    public SSLParameters clientParameters() {
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return p;
    }

    @Override
    public TlsSummary summary() {
        return new TlsSummary(List.of("TLSv1.3", "TLSv1.2"), List.of(), Optional.empty(), Optional.empty(), clientCertAuth);
    }
}
