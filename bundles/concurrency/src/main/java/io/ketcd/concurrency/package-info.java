/**
 * etcd's server-side lock and election ({@code v3lock}, {@code v3election}) as plain classes over
 * the member's service facets: {@link io.ketcd.concurrency.LockServer} and {@link
 * io.ketcd.concurrency.ElectionServer} do what etcd's {@code clientv3/concurrency} Mutex and
 * Election do through its client, with the same keys ({@code <name>/<lease in hex>}), requests,
 * revisions and errors, without a thread of their own: each step goes on when the request before
 * it completes. The DS component in {@code internal} registers them as services.
 */
@Export
@Version("0.1.0")
package io.ketcd.concurrency;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
