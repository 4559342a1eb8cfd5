package io.ketcd.bench;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/** grpc-java method descriptors for etcd's methods with protobuf marshallers, made in one place. */
final class GrpcMethods {
    private GrpcMethods() {
    }

    /** {@code service/name}, e.g. {@code etcdserverpb.KV/Put}, of {@code type}. */
    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> of(String service, String name,
            MethodDescriptor.MethodType type, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }
}
