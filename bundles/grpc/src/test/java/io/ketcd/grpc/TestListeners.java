package io.ketcd.grpc;

import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import java.io.IOException;
import java.net.InetSocketAddress;

/** gRPC servers on real listeners from the real ListenerFactory, as the DS component starts them. */
final class TestListeners {
    private TestListeners() {
    }

    static ListenerFactory factory(TlsPolicy clientTls) {
        return new SocketListenerFactory(TransportSettings.defaults(), clientTls, TlsPolicy.disabled(TlsRole.PEER));
    }

    /** Serves {@code server} on its {@code listen-client-urls}, without TLS. */
    static GrpcServer start(FakeEtcdServer server) throws IOException {
        return start(server, factory(TlsPolicy.disabled(TlsRole.CLIENT)));
    }

    static GrpcServer start(FakeEtcdServer server, ListenerFactory factory) throws IOException {
        return GrpcServer.start(ClientServices.of(server, server, server), server.settings(),
                factory.open(ListenerRole.CLIENT, server.settings().listenClientUrls()));
    }

    /** The port of the first listener, a TCP one. */
    static int port(GrpcServer grpc) {
        return ((InetSocketAddress) grpc.boundAddresses().get(0)).getPort();
    }
}
