/**
 * The service stubs ({@code KVGrpc}, {@code WatchGrpc}, {@code LeaseGrpc}, {@code ClusterGrpc},
 * {@code MaintenanceGrpc}, {@code AuthGrpc}, {@code LockGrpc}, {@code ElectionGrpc}), generated at
 * build time by protoc-gen-grpc-java from the .proto files in ketcd-proto's jar (see this
 * module's pom).
 *
 * <p>protoc-gen-grpc-java writes them into the java_package of their .proto file, which is the
 * message package ketcd-proto exports; the build moves them here, because a bundle that imports a
 * package cannot also load its own classes of that package. Only this file is hand-written.
 */
package io.ketcd.grpc.internal.stub;
