package io.ketcd.grpc.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketcd.api.EtcdError;
import io.ketcd.api.RequestNesting;
import io.ketcd.api.log.BadInputLog;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes request messages itself instead of leaving it to grpc-java, so that a request the
 * client got wrong is answered as etcd answers it and costs one log line at most.
 *
 * <p>grpc-java parses a request in its call executor and, when the bytes are no valid protobuf,
 * answers UNKNOWN "Application error processing RPC" and logs the parse error with a stack trace
 * at SEVERE. Here each method's request marshaller hands over the raw bytes, and the call is
 * closed as grpc-go (and so etcd) closes it:
 * <ul>
 * <li>bytes that are no valid message: INTERNAL "grpc: error unmarshalling request: ...";
 * <li>a compressed message that does not decompress: INTERNAL "grpc: failed to decompress the
 *     received message: ...";
 * <li>a txn nested deeper than {@link #RECURSION_LIMIT} allows: INVALID_ARGUMENT "etcdserver:
 *     too many operations in txn request", etcd's answer to a txn nested too deep.
 * </ul>
 */
final class RequestDecoding {
    /**
     * How deep a request may nest: as deep as a txn that etcd's max-txn-ops (128 by default)
     * allows, which the server's apply loop parses again inside its envelope; deeper ones are
     * answered TOO_MANY_OPS here, as etcd's checkTxnRequest answers them.
     */
    static final int RECURSION_LIMIT = RequestNesting.CLIENT_REQUEST_LEVELS;

    private static final MethodDescriptor.Marshaller<InputStream> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    };

    private final BadInputLog badInput;

    RequestDecoding(BadInputLog badInput) {
        this.badInput = badInput;
    }

    /** {@code service} with its requests decoded here. */
    ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        List<ServerMethodDefinition<InputStream, ?>> methods = new ArrayList<>();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<InputStream, ?> raw = wrap(method);
            descriptor.addMethod(raw.getMethodDescriptor());
            methods.add(raw);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    private <Q, R> ServerMethodDefinition<InputStream, R> wrap(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
        Parser<Q> parser = parserOf(method);
        MethodDescriptor<InputStream, R> raw = method.toBuilder(RAW, method.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
        return ServerMethodDefinition.create(raw, (call, headers) -> {
            DecodedCall<Q, R> decoded = new DecodedCall<>(call, method);
            return new DecodingListener<>(call, handler.startCall(decoded, headers), parser, method);
        });
    }

    @SuppressWarnings("unchecked") // the prototype of a MethodDescriptor<Q, ?> is a Q
    private static <Q> Parser<Q> parserOf(MethodDescriptor<Q, ?> method) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p
                && p.getMessagePrototype() instanceof MessageLite prototype) {
            return (Parser<Q>) prototype.getParserForType();
        }
        throw new IllegalArgumentException(method.getFullMethodName() + " has no protobuf request marshaller");
    }

    /**
     * The request in {@code in}, or a status to close the call with.
     *
     * @throws StatusRuntimeException the status to answer
     */
    private <Q> Q decode(InputStream in, Parser<Q> parser, MethodDescriptor<Q, ?> method) {
        byte[] bytes;
        try (in) {
            // reading decompresses; grpc-java enforces the size limit on the decompressed bytes
            bytes = in.readAllBytes();
        } catch (StatusRuntimeException e) {
            badInput.warn("grpc-request-size", "gRPC {} request refused: {}", method.getFullMethodName(),
                    BadInputLog.escape(String.valueOf(e.getStatus().getDescription())));
            throw e;
        } catch (IOException e) {
            badInput.warn("grpc-decompress", "gRPC {} request does not decompress: {}", method.getFullMethodName(), e);
            throw Status.INTERNAL.withDescription("grpc: failed to decompress the received message: "
                    + e.getMessage()).asRuntimeException();
        }
        try {
            return RequestNesting.parse(parser, CodedInputStream.newInstance(bytes), RECURSION_LIMIT);
        } catch (InvalidProtocolBufferException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(RequestNesting.TOO_DEEP)) {
                // not bad input in etcd's eyes: a request it refuses with a plain error
                throw UnaryReplies.status(EtcdError.TOO_MANY_OPS.exception()).asRuntimeException();
            }
            badInput.warn("grpc-unmarshal", "gRPC {} request is no valid protobuf: {}", method.getFullMethodName(), e);
            throw Status.INTERNAL.withDescription("grpc: error unmarshalling request: " + e.getMessage())
                    .asRuntimeException();
        }
    }

    /**
     * Hands decoded requests to the method's own listener; after a request that does not decode,
     * the call is closed and the method hears only of its end.
     *
     * <p>grpc-java calls a listener from one thread at a time, so {@code failed} needs no lock.
     */
    private final class DecodingListener<Q> extends ServerCall.Listener<InputStream> {
        private final ServerCall<InputStream, ?> call;
        private final ServerCall.Listener<Q> delegate;
        private final Parser<Q> parser;
        private final MethodDescriptor<Q, ?> method;
        private boolean failed;

        DecodingListener(ServerCall<InputStream, ?> call, ServerCall.Listener<Q> delegate, Parser<Q> parser,
                MethodDescriptor<Q, ?> method) {
            this.call = call;
            this.delegate = delegate;
            this.parser = parser;
            this.method = method;
        }

        @Override
        public void onMessage(InputStream message) {
            if (failed) {
                closeQuietly(message);
                return;
            }
            Q request;
            try {
                request = decode(message, parser, method);
            } catch (StatusRuntimeException e) {
                failed = true;
                call.close(e.getStatus(), new Metadata());
                return;
            }
            delegate.onMessage(request);
        }

        @Override
        public void onHalfClose() {
            if (!failed) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!failed) {
                delegate.onReady();
            }
        }

        @Override
        public void onCancel() {
            delegate.onCancel();
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }

        private static void closeQuietly(InputStream in) {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // a stream of a call already answered: nothing to tell anyone
            }
        }
    }

    /** The call as the method's own handler sees it: typed requests, everything else the call's. */
    private static final class DecodedCall<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<InputStream, R> call;
        private final MethodDescriptor<Q, R> method;

        DecodedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
