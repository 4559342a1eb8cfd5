/**
 * The client HTTP host of a ketcd member: {@link io.ketcd.http.HttpServer} serves etcd's client
 * HTTP endpoints ({@code /health}, {@code /version}) on {@code listen-client-http-urls} and hosts
 * further Grizzly handlers by path.
 */
@Export
@Version("0.1.0")
package io.ketcd.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
