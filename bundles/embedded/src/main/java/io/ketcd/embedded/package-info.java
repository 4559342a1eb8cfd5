/**
 * Starts ketcd members in a plain JVM, with no OSGi framework: the same plain classes the DS
 * components wire in Karaf, configured with the same keys. Used by the fast tests, and by Java
 * applications that embed an etcd-compatible server.
 */
@Export
@Version("0.1.0")
package io.ketcd.embedded;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
