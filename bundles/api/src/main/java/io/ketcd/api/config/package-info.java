/**
 * Reading etcd's flags from a configuration map and the environment, the same way in every
 * bundle that has flags of its own (server, TLS, transport), so they all share one {@code
 * io.ketcd.server} configuration and etcd's {@code ETCD_*} overrides.
 */
@Export
@Version("0.1.0")
package io.ketcd.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
