package io.ketcd.grpc.internal;

import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelMetadata;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundBuffer;
import io.grpc.netty.shaded.io.netty.channel.DefaultChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.AbstractNioMessageChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.ketcd.api.transport.Listener;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Netty server channels over a {@link Listener}'s socket, which the ListenerFactory has already
 * bound: grpc-java serves that socket instead of binding its own, so the factory alone decides
 * addresses, socket options and the release of ports on a failed start.
 */
public final class AdoptedServerChannels {
    private AdoptedServerChannels() {
    }

    /**
     * A factory for grpc's {@code NettyServerBuilder.channelFactory} that hands out the
     * listener's channel once; a second call fails, since one socket cannot be served twice.
     */
    public static ChannelFactory<ServerChannel> of(Listener listener) {
        ServerSocketChannel socket = listener.channel();
        boolean unix = listener.localAddress() instanceof UnixDomainSocketAddress;
        AtomicBoolean used = new AtomicBoolean();
        return () -> {
            if (!used.compareAndSet(false, true)) {
                throw new IllegalStateException("listener " + listener.url() + " is already served");
            }
            return unix ? new UnixServerChannel(socket) : new TcpServerChannel(socket);
        };
    }

    /** A TCP socket bound by the factory; Netty's bind becomes a no-op. */
    static final class TcpServerChannel extends NioServerSocketChannel {
        TcpServerChannel(ServerSocketChannel bound) {
            super(bound);
        }

        @Override
        protected void doBind(SocketAddress ignored) {
            // bound by the ListenerFactory
        }
    }

    /**
     * A Unix domain socket bound by the factory. Netty's own {@code NioServerDomainSocketChannel}
     * is final and binds in {@code doBind}, so this is its accept loop over an existing socket.
     */
    static final class UnixServerChannel extends AbstractNioMessageChannel implements ServerChannel {
        private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
        private final DefaultChannelConfig config = new DefaultChannelConfig(this) {
            @Override
            public <T> boolean setOption(ChannelOption<T> option, T value) {
                // the backlog was fixed when the factory bound the socket
                return option == ChannelOption.SO_BACKLOG || super.setOption(option, value);
            }
        };

        UnixServerChannel(ServerSocketChannel bound) {
            super(null, bound, SelectionKey.OP_ACCEPT);
        }

        @Override
        protected ServerSocketChannel javaChannel() {
            return (ServerSocketChannel) super.javaChannel();
        }

        @Override
        public DefaultChannelConfig config() {
            return config;
        }

        @Override
        public ChannelMetadata metadata() {
            return METADATA;
        }

        @Override
        public boolean isActive() {
            return isOpen() && localAddress0() != null;
        }

        @Override
        protected int doReadMessages(List<Object> accepted) throws Exception {
            SocketChannel connection = javaChannel().accept();
            if (connection == null) {
                return 0;
            }
            try {
                accepted.add(new NioDomainSocketChannel(this, connection));
                return 1;
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        @Override
        protected void doBind(SocketAddress ignored) {
            // bound by the ListenerFactory
        }

        @Override
        protected void doClose() throws Exception {
            javaChannel().close(); // the Listener removes the socket file when it is closed
        }

        @Override
        protected SocketAddress localAddress0() {
            try {
                return javaChannel().getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return null;
        }

        @Override
        protected boolean doConnect(SocketAddress remote, SocketAddress local) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void doFinishConnect() {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void doDisconnect() {
            throw new UnsupportedOperationException();
        }

        @Override
        protected boolean doWriteMessage(Object msg, ChannelOutboundBuffer in) {
            throw new UnsupportedOperationException();
        }
    }
}
