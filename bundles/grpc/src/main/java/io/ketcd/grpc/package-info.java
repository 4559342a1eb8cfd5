/**
 * etcd's client gRPC API on grpc-java. {@link io.ketcd.grpc.GrpcServer} serves one member's
 * service facets ({@link io.ketcd.grpc.ClientServices}: KV, Cluster, Maintenance, Lease) on every
 * {@code listen-client-urls} URL ({@link io.ketcd.grpc.GrpcSettings}); the DS component in
 * {@code internal} starts it for the facet services, and the embedded launcher calls {@link
 * io.ketcd.grpc.GrpcServer#start} itself. The bundle knows the member only through the facets.
 */
@Export
@Version("0.1.0")
package io.ketcd.grpc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
