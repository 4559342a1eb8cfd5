/**
 * Contracts every ketcd bundle shares: etcd's error model ({@link io.ketcd.api.EtcdError}) and,
 * as the platform grows, the pluggable services of DESIGN.md (listener factory, TLS policy,
 * raft core).
 */
@Export
@Version("0.2.0")
package io.ketcd.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
