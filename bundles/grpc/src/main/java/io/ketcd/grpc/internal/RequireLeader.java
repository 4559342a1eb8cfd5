package io.ketcd.grpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Reads etcd's require-leader metadata ({@code hasleader: true}, which etcd clients send for
 * {@code WithRequireLeader}) into the call's context, for the stream services to find.
 */
final class RequireLeader implements ServerInterceptor {
    private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> REQUIRED = Context.key("ketcd-require-leader");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        boolean required = "true".equals(headers.get(HAS_LEADER));
        return Contexts.interceptCall(Context.current().withValue(REQUIRED, required), call, headers, next);
    }

    /** Whether the client of the call being handled requires a leader. */
    static boolean requested() {
        return Boolean.TRUE.equals(REQUIRED.get());
    }
}
