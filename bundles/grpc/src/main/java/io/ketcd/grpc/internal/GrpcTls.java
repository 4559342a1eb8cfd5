package io.ketcd.grpc.internal;

import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.ketcd.api.transport.TlsPolicy;

import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The gRPC server's TLS from a {@link TlsPolicy}: the policy's long-lived context (which follows
 * rotated certificate files by itself) with its versions, cipher suites and client
 * authentication, plus the ALPN {@code h2} that gRPC requires.
 */
public final class GrpcTls {
    private GrpcTls() {
    }

    public static SslContext serverContext(TlsPolicy policy) {
        SSLContext context = policy.serverContext();
        SSLParameters parameters = policy.serverParameters();
        String[] suites = parameters.getCipherSuites() != null
                ? parameters.getCipherSuites() : context.getDefaultSSLParameters().getCipherSuites();
        ClientAuth clientAuth = parameters.getNeedClientAuth() ? ClientAuth.REQUIRE
                : parameters.getWantClientAuth() ? ClientAuth.OPTIONAL : ClientAuth.NONE;
        ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2);
        return new JdkSslContext(context, false, List.of(suites), IdentityCipherSuiteFilter.INSTANCE, alpn,
                clientAuth, parameters.getProtocols(), false);
    }
}
