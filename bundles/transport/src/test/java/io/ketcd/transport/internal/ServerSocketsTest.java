package io.ketcd.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.ListenerRole;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSocketsTest {

    @Test
    void aListenerTakesTheFirstIpv4AddressOfAHostAsGoDoes() throws IOException {
        InetAddress v6 = InetAddress.getByName("::1");
        InetAddress v4 = InetAddress.getByName("127.0.0.1");

        assertThat(ServerSockets.listenAddress(v6, v4)).isEqualTo(v4);
        assertThat(ServerSockets.listenAddress(v6)).isEqualTo(v6);
    }

    @Test
    void aUnixBindFailureIsWordedAsGoWordsIt(@TempDir Path dir) {
        Path socket = dir.resolve("missing").resolve("etcd.sock");
        ListenUrl url = ListenUrl.parse(ListenerRole.CLIENT, URI.create("unix://" + socket));

        assertThatThrownBy(() -> ServerSockets.bindUnix(url))
                .isInstanceOf(IOException.class)
                .hasMessage("listen unix " + socket + ": bind: no such file or directory");
    }
}
