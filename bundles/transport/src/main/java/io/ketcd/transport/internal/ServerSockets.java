package io.ketcd.transport.internal;

import io.ketcd.transport.TransportSettings;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Binds server sockets as Go's {@code net.Listen} does, and words failures as Go does ({@code
 * listen tcp 127.0.0.1:2380: bind: address already in use}), so operators read etcd's messages.
 */
public final class ServerSockets {
    /** Go sets SO_REUSEADDR on every TCP listener except on Windows, where it would allow port hijacking. */
    private static final boolean GO_SETS_REUSE_ADDRESS =
            !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    /**
     * Go passes the kernel's {@code somaxconn} as the backlog; the kernel caps any larger value
     * at {@code somaxconn}, so asking for the most a backlog can be gives the same. (The JDK's
     * own default, 50, would drop connection bursts Go accepts.)
     */
    private static final int BACKLOG = 65535;

    private ServerSockets() {
    }

    /** A bound channel and the address it is bound to (with the port the system chose for port 0). */
    public record Bound(ServerSocketChannel channel, SocketAddress address) {
    }

    /**
     * A TCP socket bound to the URL's host and port, in blocking mode. {@code localhost}
     * resolves to its first IPv4 address if it has one, as Go picks for a listener; {@code
     * 0.0.0.0} and {@code [::]} bind every interface.
     *
     * @throws IOException in Go's words, when the address cannot be resolved or bound
     */
    public static Bound bindTcp(ListenUrl url, TransportSettings settings) throws IOException {
        InetSocketAddress address = new InetSocketAddress(resolve(url), url.port());
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, GO_SETS_REUSE_ADDRESS || settings.reuseAddress());
            if (settings.reusePort()) {
                if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new IOException("listen " + url.network() + " " + url.address()
                            + ": port reuse (socket-reuse-port) is not supported on this platform");
                }
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        try {
            channel.bind(address, BACKLOG);
            channel.configureBlocking(true);
            return new Bound(channel, channel.getLocalAddress());
        } catch (IOException e) {
            channel.close();
            throw bindFailure(url, e);
        }
    }

    /**
     * A Unix domain socket bound to the URL's socket file, in blocking mode. Whatever is at that
     * path is removed first, as etcd's {@code NewUnixListener} does: a socket file left behind
     * by a process that died would otherwise block the bind forever.
     *
     * @throws IOException in Go's words, when the old file cannot be removed or the socket bound
     */
    public static Bound bindUnix(ListenUrl url) throws IOException {
        Path path = url.socketPath();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new IOException("remove " + path + ": " + goWording(e), e);
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            channel.configureBlocking(true);
            return new Bound(channel, channel.getLocalAddress());
        } catch (IOException e) {
            channel.close();
            throw bindFailure(url, e);
        }
    }

    private static InetAddress resolve(ListenUrl url) throws IOException {
        // ListenUrl admits IP literals, which resolve without a lookup, and localhost
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(url.host());
        } catch (UnknownHostException e) {
            throw new IOException("listen " + url.network() + " " + url.address() + ": lookup " + url.host()
                    + ": no such host", e);
        }
        return listenAddress(all);
    }

    /**
     * The address Go's {@code net.Listen} picks among a host's addresses: the first IPv4 one if
     * there is one, else the first ({@code localhost} may resolve to {@code ::1} first).
     */
    static InetAddress listenAddress(InetAddress... resolved) {
        for (InetAddress a : resolved) {
            if (a instanceof Inet4Address) {
                return a;
            }
        }
        return resolved[0];
    }

    private static IOException bindFailure(ListenUrl url, IOException cause) {
        return new IOException("listen " + url.network() + " " + url.address() + ": bind: " + goWording(cause), cause);
    }

    /** The JDK says "Address already in use" where Go says "address already in use". */
    private static String goWording(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }
}
