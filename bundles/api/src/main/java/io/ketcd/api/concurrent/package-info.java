/**
 * Small concurrency helpers shared by the bundles that own threads (the server's driver, the
 * Grizzly host, the peer transport), so that every ketcd thread is named and created the same
 * way.
 */
@Export
@Version("0.1.0")
package io.ketcd.api.concurrent;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
