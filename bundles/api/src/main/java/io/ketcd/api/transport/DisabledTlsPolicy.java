package io.ketcd.api.transport;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** {@link TlsPolicy#disabled}: no certificate, so every context request is refused. */
record DisabledTlsPolicy(TlsRole role) implements TlsPolicy {

    DisabledTlsPolicy {
        Objects.requireNonNull(role, "role");
    }

    @Override
    public boolean isEnabled() {
        return false;
    }

    @Override
    public boolean clientCertAuth() {
        return false;
    }

    @Override
    public SSLContext serverContext() {
        throw notEnabled();
    }

    @Override
    public SSLParameters serverParameters() {
        return new SSLParameters();
    }

    @Override
    public SSLContext clientContext() {
        throw notEnabled();
    }

    @Override
    public SSLParameters clientParameters() {
        return new SSLParameters();
    }

    @Override
    public TlsSummary summary() {
        return new TlsSummary(List.of(), List.of(), Optional.empty(), Optional.empty(), false);
    }

    private IllegalStateException notEnabled() {
        String prefix = role == TlsRole.PEER ? "peer-" : "";
        return new IllegalStateException("no " + role.property() + " TLS certificate: set " + prefix + "cert-file and "
                + prefix + "key-file, or " + prefix + "auto-tls");
    }
}
