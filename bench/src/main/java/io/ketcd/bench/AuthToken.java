package io.ketcd.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.AuthenticateRequest;
import io.ketcd.proto.etcdserverpb.AuthenticateResponse;

/**
 * {@code --user}: one connection's auth token, sent as the {@code token} metadata of every call
 * once {@link #authenticate} got it, as etcd's clients send it. The generator authenticates each
 * connection once before the load; a run shorter than the token's TTL needs no refresh.
 */
final class AuthToken implements ClientInterceptor {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final MethodDescriptor<AuthenticateRequest, AuthenticateResponse> AUTHENTICATE = GrpcMethods.of(
            "etcdserverpb.Auth", "Authenticate", MethodDescriptor.MethodType.UNARY,
            AuthenticateRequest.getDefaultInstance(), AuthenticateResponse.getDefaultInstance());

    private volatile String token;

    /** Logs {@code user} ({@code name:password}) in on {@code channel}, whose calls then carry the token. */
    void authenticate(ManagedChannel channel, String user) {
        int colon = user.indexOf(':');
        AuthenticateRequest request = AuthenticateRequest.newBuilder().setName(user.substring(0, colon))
                .setPassword(user.substring(colon + 1)).build();
        token = ClientCalls.blockingUnaryCall(channel, AUTHENTICATE, CallOptions.DEFAULT, request).getToken();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        String t = token;
        if (t == null) {
            return next.newCall(method, options);
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(TOKEN, t);
                super.start(listener, headers);
            }
        };
    }
}
