/**
 * The listener factory's parts, private to the bundle: URL checks ({@link
 * io.ketcd.transport.internal.ListenUrl}), binding with Go's socket defaults and error wording
 * ({@link io.ketcd.transport.internal.ServerSockets}), the listener itself ({@link
 * io.ketcd.transport.internal.SocketListener}), the process's file-descriptor limit, and the DS
 * component that publishes the factory.
 */
package io.ketcd.transport.internal;
