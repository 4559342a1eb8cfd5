package io.ketcd.bench;

import io.grpc.MethodDescriptor;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeResponse;

/** etcd's {@code Lease/LeaseGrant}, {@code LeaseRevoke} and {@code LeaseKeepAlive} as plain gRPC methods. */
final class LeaseCalls {
    private static final String SERVICE = "etcdserverpb.Lease";
    static final MethodDescriptor<LeaseGrantRequest, LeaseGrantResponse> GRANT = GrpcMethods.of(SERVICE, "LeaseGrant",
            MethodDescriptor.MethodType.UNARY, LeaseGrantRequest.getDefaultInstance(),
            LeaseGrantResponse.getDefaultInstance());
    static final MethodDescriptor<LeaseRevokeRequest, LeaseRevokeResponse> REVOKE = GrpcMethods.of(SERVICE, "LeaseRevoke",
            MethodDescriptor.MethodType.UNARY, LeaseRevokeRequest.getDefaultInstance(),
            LeaseRevokeResponse.getDefaultInstance());
    static final MethodDescriptor<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KEEP_ALIVE = GrpcMethods.of(SERVICE,
            "LeaseKeepAlive", MethodDescriptor.MethodType.BIDI_STREAMING, LeaseKeepAliveRequest.getDefaultInstance(),
            LeaseKeepAliveResponse.getDefaultInstance());

    private LeaseCalls() {
    }
}
