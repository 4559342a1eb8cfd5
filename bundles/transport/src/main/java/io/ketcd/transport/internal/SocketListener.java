package io.ketcd.transport.internal;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound server socket with what its server needs to serve it. Closing it closes the socket,
 * removes a Unix socket's file (the JDK leaves it behind, as Go's {@code unixListener} would not)
 * and tells the factory it is gone. Thread-safe.
 */
public final class SocketListener implements Listener {
    private static final Logger LOG = LoggerFactory.getLogger(SocketListener.class);

    private final URI url;
    private final ListenerRole role;
    private final ServerSocketChannel channel;
    private final SocketAddress localAddress;
    private final Optional<TlsPolicy> tls;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final Optional<Path> socketFile;
    private final Consumer<SocketListener> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param socketFile the Unix socket's file, removed on close; empty for TCP
     * @param onClose called once, after the socket is closed
     */
    public SocketListener(URI url, ListenerRole role, ServerSockets.Bound socket, Optional<TlsPolicy> tls,
                          Duration readTimeout, Duration writeTimeout, Optional<Path> socketFile,
                          Consumer<SocketListener> onClose) {
        this.url = Objects.requireNonNull(url, "url");
        this.role = Objects.requireNonNull(role, "role");
        this.channel = socket.channel();
        this.localAddress = socket.address();
        this.tls = Objects.requireNonNull(tls, "tls");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        this.writeTimeout = Objects.requireNonNull(writeTimeout, "writeTimeout");
        this.socketFile = Objects.requireNonNull(socketFile, "socketFile");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
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
        return localAddress;
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
        return readTimeout;
    }

    @Override
    public Duration writeTimeout() {
        return writeTimeout;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the {} listener on {} failed", role.label(), url, e);
        }
        socketFile.ifPresent(this::removeSocketFile);
        onClose.accept(this);
    }

    private void removeSocketFile(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("removing the socket file {} of {} failed", file, url, e);
        }
    }

    @Override
    public String toString() {
        return role.label() + " listener " + url + " on " + localAddress + (tls.isPresent() ? " (TLS)" : "");
    }
}
