/**
 * How {@link io.ketcd.tls.FileTlsPolicy} works: files re-read when their stamp changes ({@link
 * io.ketcd.tls.internal.ReloadingFile}), the key and trust managers over them, etcd's peer
 * certificate checks, Go's cipher suite names, auto-tls certificates, and the DS components.
 */
package io.ketcd.tls.internal;
