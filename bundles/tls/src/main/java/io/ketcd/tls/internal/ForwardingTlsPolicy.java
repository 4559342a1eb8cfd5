package io.ketcd.tls.internal;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** A {@link TlsPolicy} that is another one: the base of the DS components, which only build theirs. */
abstract class ForwardingTlsPolicy implements TlsPolicy {
    private final TlsPolicy policy;

    ForwardingTlsPolicy(TlsPolicy policy) {
        this.policy = policy;
    }

    @Override
    public TlsRole role() {
        return policy.role();
    }

    @Override
    public boolean isEnabled() {
        return policy.isEnabled();
    }

    @Override
    public boolean clientCertAuth() {
        return policy.clientCertAuth();
    }

    @Override
    public SSLContext serverContext() {
        return policy.serverContext();
    }

    @Override
    public SSLParameters serverParameters() {
        return policy.serverParameters();
    }

    @Override
    public SSLContext clientContext() {
        return policy.clientContext();
    }

    @Override
    public SSLParameters clientParameters() {
        return policy.clientParameters();
    }

    @Override
    public TlsSummary summary() {
        return policy.summary();
    }

    @Override
    public String toString() {
        return policy.toString();
    }
}
