package io.ketcd.api.transport;

import java.io.Closeable;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * One open listening socket for one URL (etcd's {@code net.Listener}): a bound {@link
 * ServerSocketChannel}, TCP for {@code http}/{@code https}, a Unix domain socket for {@code
 * unix}/{@code unixs}. The server that serves it accepts on {@link #channel()}; TLS, when {@link
 * #tls()} is present, is that server's to apply with the policy's contexts.
 */
public interface Listener extends Closeable {

    /** The URL as configured (port 0 stays 0; {@link #localAddress()} tells the bound port). */
    URI url();

    ListenerRole role();

    /** The bound address: an {@link java.net.InetSocketAddress} or a {@link java.net.UnixDomainSocketAddress}. */
    SocketAddress localAddress();

    /** The bound, open channel, in blocking mode; closed by {@link #close()}. */
    ServerSocketChannel channel();

    /** The policy that secures the listener ({@code https}, {@code unixs}); empty for {@code http} and {@code unix}. */
    Optional<TlsPolicy> tls();

    /**
     * How long a connection's read may block before the connection is dropped; {@link
     * Duration#ZERO} for no bound. etcd bounds peer connections by 5 s each way.
     */
    Duration readTimeout();

    /** As {@link #readTimeout()}, for writes. */
    Duration writeTimeout();

    /** Closes the socket (and removes a Unix socket's file). Idempotent. */
    @Override
    void close();
}
