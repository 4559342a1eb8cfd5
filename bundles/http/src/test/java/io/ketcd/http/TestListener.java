package io.ketcd.http;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A {@link Listener} for tests, standing in for the transport bundle's factory: a channel bound
 * here, on 127.0.0.1 port 0 (TCP) or on a socket file (Unix), in blocking mode as the factory
 * hands it over.
 */
public final class TestListener implements Listener {
    private final URI url;
    private final ListenerRole role;
    private final ServerSocketChannel channel;
    private final SocketAddress address;
    private final Optional<TlsPolicy> tls;
    private final Duration timeout;
    private final Path socketFile;

    private TestListener(URI url, ListenerRole role, ServerSocketChannel channel, Optional<TlsPolicy> tls, Duration timeout,
            Path socketFile) throws IOException {
        this.url = url;
        this.role = role;
        this.channel = channel;
        this.address = channel.getLocalAddress();
        this.tls = tls;
        this.timeout = timeout;
        this.socketFile = socketFile;
    }

    /** A plain TCP listener on 127.0.0.1, port 0; peer listeners get etcd's 5 s timeouts, others none. */
    public static TestListener tcp(ListenerRole role) throws IOException {
        return tcp(role, Optional.empty());
    }

    /** A TLS listener ({@code https}) on 127.0.0.1, port 0, secured by {@code policy}. */
    public static TestListener https(ListenerRole role, TlsPolicy policy) throws IOException {
        return tcp(role, Optional.of(policy));
    }

    /** A plain TCP listener on 127.0.0.1, {@code port} (a port a test freed for a member that starts late). */
    public static TestListener tcp(ListenerRole role, int port) throws IOException {
        return tcp(role, Optional.empty(), timeout(role), port);
    }

    /** A plain TCP listener on 127.0.0.1, port 0, whose read and write timeouts are {@code timeout}. */
    public static TestListener tcp(ListenerRole role, Duration timeout) throws IOException {
        return tcp(role, Optional.empty(), timeout);
    }

    private static TestListener tcp(ListenerRole role, Optional<TlsPolicy> tls) throws IOException {
        return tcp(role, tls, timeout(role));
    }

    private static TestListener tcp(ListenerRole role, Optional<TlsPolicy> tls, Duration timeout) throws IOException {
        return tcp(role, tls, timeout, 0);
    }

    private static TestListener tcp(ListenerRole role, Optional<TlsPolicy> tls, Duration timeout, int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            String scheme = tls.isPresent() ? "https" : "http";
            return new TestListener(URI.create(scheme + "://127.0.0.1:" + port), role, channel, tls, timeout, null);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A Unix domain socket listener ({@code unix://...}) on a new file under {@code dir}. */
    public static TestListener unix(ListenerRole role, Path dir) throws IOException {
        Path file = dir.resolve("ketcd-" + role.label() + ".sock");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(file));
            return new TestListener(URI.create("unix://" + file), role, channel, Optional.empty(), timeout(role), file);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Duration timeout(ListenerRole role) {
        return role == ListenerRole.PEER ? Duration.ofSeconds(5) : Duration.ZERO;
    }

    /** The bound TCP port. */
    public int port() {
        return ((InetSocketAddress) address).getPort();
    }

    @Override
    public URI url() {
        return url;
    }

    @Override
    public ListenerRole role() {
        return role;
    }

    @Override
    public SocketAddress localAddress() {
        return address;
    }

    @Override
    public ServerSocketChannel channel() {
        return channel;
    }

    @Override
    public Optional<TlsPolicy> tls() {
        return tls;
    }

    @Override
    public Duration readTimeout() {
        return timeout;
    }

    @Override
    public Duration writeTimeout() {
        return timeout;
    }

    @Override
    public void close() {
        try {
            channel.close();
            if (socketFile != null) {
                Files.deleteIfExists(socketFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
