package io.ketcd.grpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.ketcd.api.service.Caller;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who sends each call, for the server's auth: the {@code token} metadata etcd's clients send
 * (etcd's TokenFieldNameGRPC) and the common name of the client certificate the TLS handshake
 * verified, put in the call's gRPC context, where the service adapters read it with
 * {@link #current()}.
 */
final class Callers implements ServerInterceptor {
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Caller> CALLER = Context.key("ketcd-caller");

    /** The caller of the call running now; a client with neither token nor certificate outside a call. */
    static Caller current() {
        Caller caller = CALLER.get();
        return caller == null ? Caller.ANONYMOUS : caller;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Caller caller = Caller.client(headers.get(TOKEN), commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    /** The CN of the verified client certificate; empty without TLS or client certificate. */
    private static String commonName(SSLSession session) {
        if (session == null) {
            return "";
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
                return "";
            }
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return "";
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return "";
        }
    }
}
