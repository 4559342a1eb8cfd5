package io.ketcd.bench;

import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeResponse;

/** etcd's {@code Lease/LeaseGrant}, {@code LeaseRevoke} and {@code LeaseKeepAlive} as plain gRPC methods. */
final class LeaseCalls {
    static final MethodDescriptor<LeaseGrantRequest, LeaseGrantResponse> GRANT = method("LeaseGrant",
            MethodDescriptor.MethodType.UNARY, LeaseGrantRequest.getDefaultInstance(),
            LeaseGrantResponse.getDefaultInstance());
    static final MethodDescriptor<LeaseRevokeRequest, LeaseRevokeResponse> REVOKE = method("LeaseRevoke",
            MethodDescriptor.MethodType.UNARY, LeaseRevokeRequest.getDefaultInstance(),
            LeaseRevokeResponse.getDefaultInstance());
    static final MethodDescriptor<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KEEP_ALIVE = method("LeaseKeepAlive",
            MethodDescriptor.MethodType.BIDI_STREAMING, LeaseKeepAliveRequest.getDefaultInstance(),
            LeaseKeepAliveResponse.getDefaultInstance());

    private LeaseCalls() {
    }

    private static <Q extends com.google.protobuf.Message, R extends com.google.protobuf.Message>
            MethodDescriptor<Q, R> method(String name, MethodDescriptor.MethodType type, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("etcdserverpb.Lease", name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }
}
