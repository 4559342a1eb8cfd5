/**
 * The etcd server: {@link io.ketcd.server.KetcdServer} starts one member from plain Java (the
 * embedded launcher and the DS component both use it) and is the one object that implements the
 * service facets the client-facing bundles (gRPC, HTTP, shell) call ({@link
 * io.ketcd.api.service}); {@link io.ketcd.server.ServerConfig} is the member's configuration by
 * etcd's flag names.
 */
@Export
@Version("0.1.0")
package io.ketcd.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
