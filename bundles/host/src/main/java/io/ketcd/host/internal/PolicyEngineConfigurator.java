package io.ketcd.host.internal;

import io.ketcd.api.transport.TlsPolicy;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.glassfish.grizzly.ssl.SSLEngineConfigurator;

/**
 * Server-side TLS engines from a {@link TlsPolicy}: the policy's server context, and its server
 * parameters applied as they are (versions, cipher suites, client authentication, and whatever
 * else the policy sets, such as named groups or SNI matchers).
 *
 * <p>Grizzly's own {@code SSLEngineConfigurator.configure} copies only some fields of its
 * parameters and ignores the argument of {@code setSSLParameters} (4.0.2), so {@link
 * #configure} is replaced rather than fed through the setters. Built once per listener: the
 * policy's context stays the same object when certificates rotate, and each engine it creates
 * serves the certificate of the moment. Thread-safe.
 */
public final class PolicyEngineConfigurator extends SSLEngineConfigurator {
    private final SSLParameters parameters;

    /** @throws IllegalStateException when the policy has no certificate (see {@link TlsPolicy#serverContext()}) */
    public PolicyEngineConfigurator(TlsPolicy policy) {
        super(policy.serverContext(), false, false, false);
        this.parameters = policy.serverParameters();
        // the getters Grizzly and log lines read
        setNeedClientAuth(parameters.getNeedClientAuth());
        if (!parameters.getNeedClientAuth()) {
            setWantClientAuth(parameters.getWantClientAuth());
        }
        setEnabledProtocols(parameters.getProtocols());
        setEnabledCipherSuites(parameters.getCipherSuites());
    }

    @Override
    public SSLEngine configure(SSLEngine engine) {
        engine.setUseClientMode(false);
        // setSSLParameters copies what it needs and nothing changes the parameters after construction,
        // so the one object serves every engine, from any thread
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** This configurator never changes after construction, so a copy is the same object. */
    @Override
    public SSLEngineConfigurator copy() {
        return this;
    }
}
