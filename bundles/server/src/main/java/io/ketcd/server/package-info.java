/**
 * The etcd server as a service: {@link io.ketcd.server.EtcdServer} is what the client-facing
 * bundles (gRPC, HTTP, shell) call, {@link io.ketcd.server.ServerConfig} is etcd's configuration
 * by etcd's flag names, and {@link io.ketcd.server.KetcdServer} starts one member from plain
 * Java (the embedded launcher and the DS component both use it).
 */
@Export
@Version("0.1.0")
package io.ketcd.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
