/**
 * The handlers behind {@link io.ketcd.http.HttpServer} and its DS component, and the filters and
 * relay behind {@link io.ketcd.http.GrizzlyListenerServer} (Go's handling of bad request heads
 * and bodies, the Unix socket relay and its guard). Responses copy
 * etcd 3.4.23 byte for byte where a client can see it (status, body, Content-Type, the
 * {@code http.Error} conventions of Go's net/http); checked against a running etcd.
 */
package io.ketcd.http.internal;
