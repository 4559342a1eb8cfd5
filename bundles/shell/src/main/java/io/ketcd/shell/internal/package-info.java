/**
 * Karaf shell commands in scope {@code etcd}: thin actions that build etcd's request message,
 * call the member's service facets ({@link io.ketcd.api.service}) and print what etcdctl 3.4 prints
 * (its "simple" output, and its table for {@code etcd:status}). Failures throw, so Karaf shows
 * {@code Error executing command: <etcd's message>}.
 */
package io.ketcd.shell.internal;
