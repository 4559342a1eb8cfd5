/**
 * Logging what arrives from the network: bad input from clients and peers is logged as one
 * line, without a stack trace, at most once per interval for each kind of error, with the
 * bytes from the wire escaped and truncated, so that nobody on the network can flood the log or
 * write control characters into it. Stack traces stay for ketcd's own bugs.
 */
@Export
@Version("0.1.0")
package io.ketcd.api.log;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
