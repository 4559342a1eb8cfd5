/**
 * etcd's client services as the member offers them to the bundles that serve clients (gRPC,
 * HTTP, the shell): one interface per etcd service family, each a facet of one server object
 * that is published under all of them. Requests and responses are etcd's own v3 messages, and
 * every response carries a full header (cluster_id, member_id, revision, raft_term).
 *
 * <p>Failures complete the future exceptionally with an {@link io.ketcd.api.EtcdException}
 * carrying etcd's gRPC code and message; a failed request changed nothing. Writes complete only
 * once their log entry is durable on a quorum and applied here. Every method is thread-safe and
 * never blocks its caller. A client-facing bundle depends on the facets it uses, and a test fake
 * implements one facet. Streams ({@link io.ketcd.api.service.WatchService}) pass the client's
 * end in ({@link io.ketcd.api.service.WatchClient}) and get the member's end back ({@link
 * io.ketcd.api.service.WatchSession}), with flow control both ways.
 */
@Export
@Version("0.4.0")
package io.ketcd.api.service;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
