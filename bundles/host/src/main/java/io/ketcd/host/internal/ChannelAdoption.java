package io.ketcd.host.internal;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;

import org.glassfish.grizzly.nio.transport.TCPNIOServerConnection;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;

/**
 * Makes a started Grizzly TCP transport accept on a server socket that is already bound, without
 * binding anything itself.
 *
 * <p>Why this exists: in Grizzly 4.0.2 every public way to listen ({@code NetworkListener.start},
 * {@code TCPNIOTransport.bind}) opens and binds a new socket; the one code path that takes an
 * existing channel, {@code TCPNIOBindingHandler.bindToChannelAndAddress}, is private (it serves
 * {@code System.inheritedChannel()}). Its public building blocks are enough, so no reflection is
 * needed: the public {@link TCPNIOServerConnection} constructor wraps the channel and its public
 * {@link TCPNIOServerConnection#listen()} registers it for accepts on the transport's selector.
 * The private method does three things more, taken over here or by the caller:
 * <ul>
 *   <li>the channel's configuration (non-blocking; reuse-address and SO_TIMEOUT are meaningless
 *       on a socket that is bound already) and the connection's (blocking mode, standalone, read
 *       and write timeouts, copied from the transport as its protected {@code
 *       configureNIOConnection} does). Accepted connections take the transport's processor, as
 *       they do with Grizzly's own binding, whose server connection carries none either;</li>
 *   <li>it adds the connection to the transport's (package-private) server connections, so that
 *       {@code transport.shutdown()} closes it: the caller closes the returned connection
 *       itself. Being unknown to the transport also means Grizzly never re-binds it: after an
 *       interrupted accept Grizzly opens a new socket on the address of the server connections
 *       it knows, which would take the port behind the listener factory's back;</li>
 *   <li>it computes the server connection's local address, which only {@code
 *       NetworkListener.start} reads: {@link TCPNIOServerConnection#getLocalAddress()} of the
 *       returned connection is not set, ask the channel instead.</li>
 * </ul>
 * {@code GrizzlyListenerServerTest} pins the behaviour (the listener's port answers, nothing else
 * is bound, closing frees the port).
 */
public final class ChannelAdoption {
    private ChannelAdoption() {
    }

    /**
     * Accepts connections on {@code channel} with {@code transport}, which must be started.
     *
     * @throws IOException when the channel cannot be switched to non-blocking or registered
     */
    public static TCPNIOServerConnection adopt(TCPNIOTransport transport, ServerSocketChannel channel) throws IOException {
        if (transport.isStopped()) {
            throw new IllegalStateException("start the transport before adopting a channel");
        }
        channel.configureBlocking(false);
        TCPNIOServerConnection connection = new TCPNIOServerConnection(transport, channel);
        connection.configureBlocking(transport.isBlocking());
        connection.configureStandalone(transport.isStandalone());
        connection.setReadTimeout(transport.getReadTimeout(TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS);
        connection.setWriteTimeout(transport.getWriteTimeout(TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS);
        try {
            connection.listen();
        } catch (IOException | RuntimeException e) {
            connection.closeSilently();
            throw e;
        }
        return connection;
    }
}
