package io.ketcd.host;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Real listeners from the transport bundle's {@link SocketListenerFactory}, as the components get
 * them: bound, in blocking mode, peer ones with rafthttp's 5 s timeouts. The server a test starts
 * on a listener owns and closes it. Shared with the modules whose servers run on the host
 * (through this module's test-jar).
 */
public final class TestListeners {
    private TestListeners() {
    }

    /** A plain listener on {@code url}: {@code http://127.0.0.1:0} for a free port, or {@code unix://<file>}. */
    public static Listener open(ListenerRole role, String url) throws IOException {
        return open(role, url, TlsPolicy.disabled(role.tlsRole()));
    }

    /** A listener on {@code url}; an {@code https} one is secured by {@code tls}, a policy of the role's TLS role. */
    public static Listener open(ListenerRole role, String url, TlsPolicy tls) throws IOException {
        TlsPolicy client = tls.role() == TlsRole.CLIENT ? tls : TlsPolicy.disabled(TlsRole.CLIENT);
        TlsPolicy peer = tls.role() == TlsRole.PEER ? tls : TlsPolicy.disabled(TlsRole.PEER);
        return new SocketListenerFactory(TransportSettings.defaults(), client, peer)
                .open(role, List.of(URI.create(url))).get(0);
    }

    /** The bound port of a TCP listener. */
    public static int port(Listener listener) {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /**
     * Returns once {@code port} can be bound again, failing after {@code bound}: Grizzly closes a
     * served socket on its selector thread, a moment after {@code close()} returns.
     */
    public static void awaitBindable(int port, Duration bound) {
        Await.until("port " + port + " released", bound, () -> FreePorts.bindable(port));
    }
}
