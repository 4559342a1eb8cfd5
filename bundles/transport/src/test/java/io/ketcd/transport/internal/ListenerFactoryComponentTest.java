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
}
