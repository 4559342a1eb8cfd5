package io.ketcd.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerFactoryComponentTest {

    @Test
    void deactivationClosesTheListenersStillOpen(@TempDir Path dir) throws IOException {
        ListenerFactoryComponent component = new ListenerFactoryComponent(Map.of("service.pid", "io.ketcd.server"),
                TlsPolicy.disabled(TlsRole.CLIENT), TlsPolicy.disabled(TlsRole.PEER));
        Path socket = dir.resolve("peer.sock");
        List<Listener> listeners = component.open(ListenerRole.PEER,
                List.of(URI.create("http://127.0.0.1:0"), URI.create("unix://" + socket)));
        assertThat(component.openListeners()).containsExactlyElementsOf(listeners);

        component.deactivate();

        assertThat(component.openListeners()).isEmpty();
        assertThat(listeners).allSatisfy(l -> assertThat(l.channel().isOpen()).isFalse());
        assertThat(socket).doesNotExist();
    }

    @Test
    void aConfigurationUpdateKeepsTheFactoryAndItsListenersAndOnlyChangesTheSocketOptions() throws IOException {
        ListenerFactoryComponent component = new ListenerFactoryComponent(Map.of("service.pid", "io.ketcd.server"),
                TlsPolicy.disabled(TlsRole.CLIENT), TlsPolicy.disabled(TlsRole.PEER));
        try {
            List<Listener> open = component.open(ListenerRole.CLIENT, List.of(URI.create("http://127.0.0.1:0")));

            component.modified(Map.of("service.pid", "io.ketcd.server", "snapshot-count", "5"));
            component.modified(Map.of("service.pid", "io.ketcd.server", "socket-reuse-port", "true"));

            assertThat(component.openListeners()).containsExactlyElementsOf(open);
            assertThat(open.get(0).channel().isOpen()).isTrue();
            int port = ((java.net.InetSocketAddress) open.get(0).localAddress()).getPort();
            // reuse-port now applies to new listeners: a second bind of a port bound without it still fails,
            // so bind a fresh pair to see the option in effect
            List<Listener> shared = component.open(ListenerRole.CLIENT, List.of(URI.create("http://127.0.0.1:0")));
            int sharedPort = ((java.net.InetSocketAddress) shared.get(0).localAddress()).getPort();
            List<Listener> again = component.open(ListenerRole.CLIENT, List.of(URI.create("http://127.0.0.1:" + sharedPort)));
            assertThat(again).hasSize(1);
            assertThat(port).isPositive();
        } finally {
            component.deactivate();
        }
    }
}
