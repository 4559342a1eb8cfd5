/**
 * etcd's client gRPC API on grpc-java. {@link io.ketcd.grpc.GrpcServer} serves one
 * {@link io.ketcd.server.EtcdServer} on every {@code listen-client-urls} URL; the DS component
 * in {@code internal} starts it for the {@code EtcdServer} service, and the embedded launcher
 * calls {@link io.ketcd.grpc.GrpcServer#start} itself.
 */
@Export
@Version("0.1.0")
package io.ketcd.grpc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
