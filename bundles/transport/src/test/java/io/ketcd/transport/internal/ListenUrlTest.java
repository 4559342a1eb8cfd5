package io.ketcd.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.ListenerRole;

import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ListenUrlTest {

    @Test
    void schemesDecideTcpOrUnixAndTls() {
        assertThat(parse("http://127.0.0.1:2379")).extracting(ListenUrl::unix, ListenUrl::secure).containsExactly(false, false);
        assertThat(parse("https://127.0.0.1:2379")).extracting(ListenUrl::unix, ListenUrl::secure).containsExactly(false, true);
        assertThat(parse("unix:///run/etcd.sock")).extracting(ListenUrl::unix, ListenUrl::secure).containsExactly(true, false);
        assertThat(parse("unixs:///run/etcd.sock")).extracting(ListenUrl::unix, ListenUrl::secure).containsExactly(true, true);
    }

    @Test
    void goNamesTheNetworkAndTheAddressAsGiven() {
        ListenUrl tcp = parse("http://localhost:2379");
        assertThat(tcp.network()).isEqualTo("tcp");
        assertThat(tcp.address()).isEqualTo("localhost:2379");
        assertThat(tcp.host()).isEqualTo("localhost");
        assertThat(tcp.port()).isEqualTo(2379);

        ListenUrl unix = parse("unix:///run/etcd.sock");
        assertThat(unix.network()).isEqualTo("unix");
        assertThat(unix.address()).isEqualTo("/run/etcd.sock");
        assertThat(unix.socketPath()).isEqualTo(Path.of("/run/etcd.sock"));
    }

    @Test
    void anIpv6LiteralLosesItsBrackets() {
        ListenUrl url = parse("http://[::1]:2380");

        assertThat(url.host()).isEqualTo("::1");
        assertThat(url.address()).isEqualTo("[::1]:2380");
    }

    @Test
    void onlyIpAddressesAndLocalhostCanBeBound() {
        assertThat(parse("http://0.0.0.0:2379").host()).isEqualTo("0.0.0.0");
        assertThat(parse("http://[::]:2379").host()).isEqualTo("::");

        assertThatThrownBy(() -> parse("http://example.com:2379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected IP in URL for binding (http://example.com:2379)");
    }

    @Test
    void aTcpUrlNeedsHostAndPortInRange() {
        assertThatThrownBy(() -> parse("http://127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid value \"http://127.0.0.1\" for flag -listen-peer-urls: "
                        + "URL address does not have the form \"host:port\": http://127.0.0.1");
        assertThatThrownBy(() -> parse("http://127.0.0.1:65536"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid port 65536");
    }

    @Test
    void aUnixUrlNeedsASocketFile() {
        // an opaque URL has neither authority nor path: Go would listen on "" and fail
        assertThatThrownBy(() -> parse("unix:etcd.sock"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid value \"unix:etcd.sock\" for flag -listen-peer-urls: "
                        + "URL names no socket file: unix:etcd.sock");
    }

    private static ListenUrl parse(String url) {
        return ListenUrl.parse(ListenerRole.PEER, URI.create(url));
    }
}
