/**
 * The TLS policy from etcd's TLS flags: {@link io.ketcd.tls.TlsSettings} reads one role's flags
 * (client or peer) and {@link io.ketcd.tls.FileTlsPolicy} turns them into long-lived SSL contexts
 * whose certificate, trusted CAs and CRL are re-read from their files when those change. The
 * embedded launcher uses both directly; in OSGi one policy per role is published as {@link
 * io.ketcd.api.transport.TlsPolicy}.
 *
 * <p>Flags and what they do (client role; the peer role's are prefixed {@code peer-}):
 * <ul>
 *   <li>{@code cert-file}, {@code key-file}: the certificate served, and presented when dialing;
 *       both or neither. PEM; the key PKCS#1, PKCS#8 or SEC1, unencrypted.
 *   <li>{@code trusted-ca-file}: the CAs client certificates must chain to, and dialed servers
 *       too; as in etcd 3.4 and 3.5, giving it makes client certificates mandatory.
 *   <li>{@code client-cert-auth}: client certificates are mandatory (against the JDK's CAs when
 *       no trusted CA file is given, as Go uses the system roots).
 *   <li>{@code client-crl-file}: a CRL, PEM or DER; a client chain with a listed serial is refused.
 *   <li>{@code auto-tls}: without certificate files, a self-signed certificate in {@code
 *       <data-dir>/fixtures/<role>}; dialing then verifies nothing (etcd's {@code InsecureSkipVerify}).
 *   <li>{@code peer-cert-allowed-cn}, {@code peer-cert-allowed-hostname} (peer role, comma lists
 *       as in etcd 3.5, one of the two): the other member's certificate, in either direction.
 *   <li>{@code cipher-suites} (Go's names), {@code tls-min-version}, {@code tls-max-version}
 *       ({@code TLS1.2}, {@code TLS1.3}) and {@code self-signed-cert-validity} (years): shared.
 * </ul>
 *
 * <p>Not done here: etcd 3.4 also refuses a peer whose client certificate has SANs none of which
 * matches the address it connects from ({@code checkSAN}, with DNS lookups); that needs the
 * remote address, which only the server that accepted the connection knows.
 */
@Export
@Version("0.1.0")
package io.ketcd.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
