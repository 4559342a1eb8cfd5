/**
 * The HTTP handler whiteboard: how any bundle, ketcd's own included, serves HTTP paths on a
 * member's client HTTP or peer listeners by registering a service ({@link
 * io.ketcd.api.http.HttpWhiteboard}).
 */
@Export
@Version("0.1.0")
package io.ketcd.api.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
