/**
 * The handlers behind {@link io.ketcd.http.HttpServer} and its DS component: the router that adds
 * etcd's CORS headers and dispatches by path as Go's {@code ServeMux} does, {@code /health} and
 * {@code /version}. Responses copy etcd 3.4.23 byte for byte where a client can see it (status,
 * body, Content-Type, the {@code http.Error} conventions of Go's net/http); checked against a
 * running etcd.
 */
package io.ketcd.http.internal;
