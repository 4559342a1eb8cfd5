/**
 * The gRPC services and the DS component. Each etcd method that ketcd implements hands etcd's
 * request message to the member's facet of its service family ({@link io.ketcd.api.service}) and
 * its response back unchanged; every
 * other method of etcd's eight services answers UNIMPLEMENTED ({@link
 * io.ketcd.grpc.internal.EtcdServices}). Errors become gRPC statuses in {@link
 * io.ketcd.grpc.internal.UnaryReplies}.
 */
package io.ketcd.grpc.internal;
