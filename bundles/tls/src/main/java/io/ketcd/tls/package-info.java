/**
 * The TLS policy from etcd's TLS flags: {@link io.ketcd.tls.TlsSettings} reads one role's flags
 * (client or peer) and {@link io.ketcd.tls.FileTlsPolicy} turns them into long-lived SSL contexts
 * whose certificate, trusted CAs and CRL are re-read from their files when those change. The
 * embedded launcher uses both directly; in OSGi one policy per role is published as {@link
 * io.ketcd.api.transport.TlsPolicy}.
 */
@Export
@Version("0.1.0")
package io.ketcd.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
