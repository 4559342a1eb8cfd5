package io.ketcd.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.testing.FreePorts;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TestPki;
import io.ketcd.tls.TlsSettings;
import io.ketcd.transport.internal.ListenUrl;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketListenerFactoryTest {
    private static final TlsPolicy CLIENT_TLS_OFF = TlsPolicy.disabled(TlsRole.CLIENT);
    private static final TlsPolicy PEER_TLS_OFF = TlsPolicy.disabled(TlsRole.PEER);

    @TempDir
    Path dir;

    /** Every factory a test makes, closed after it so a failed assertion leaks no port. */
    private final List<SocketListenerFactory> factories = new ArrayList<>();

    /** The CA of {@link #withCertificate}, made on first use. */
    private TestPki pki;

    @AfterEach
    void closeFactories() {
        factories.forEach(SocketListenerFactory::close);
    }

    @Test
    void portZeroBindsAFreePortAndReportsIt() throws IOException {
        Listener listener = single(factory().open(ListenerRole.CLIENT, urls("http://127.0.0.1:0")));

        assertThat(listener.url()).isEqualTo(URI.create("http://127.0.0.1:0"));
        assertThat(listener.role()).isEqualTo(ListenerRole.CLIENT);
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        assertThat(bound.getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(bound.getPort()).isPositive();
        assertThat(listener.channel().getLocalAddress()).isEqualTo(bound);
        assertThat(listener.channel().isOpen()).isTrue();
        assertThat(listener.channel().isBlocking()).isTrue();
    }

    @Test
    void aClientConnectionIsAcceptedOnTheListenersChannel() throws IOException {
        Listener listener = single(factory().open(ListenerRole.PEER, urls("http://127.0.0.1:0")));

        try (SocketChannel client = SocketChannel.open(listener.localAddress());
             SocketChannel accepted = listener.channel().accept()) {
            assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
            assertThat(accepted.getLocalAddress()).isEqualTo(listener.localAddress());
        }
    }

    @Test
    void localhostBindsItsIpv4Address() throws IOException {
        Listener listener = single(factory().open(ListenerRole.CLIENT, urls("http://localhost:0")));

        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        assertThat(bound.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(bound.getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void anIpv6LiteralInBracketsBindsThatAddress() throws IOException {
        assumeIpv6Loopback();
        Listener listener = single(factory().open(ListenerRole.CLIENT, urls("http://[::1]:0")));

        assertThat(((InetSocketAddress) listener.localAddress()).getAddress()).isEqualTo(InetAddress.getByName("::1"));
    }

    @Test
    void aFailedBindClosesTheListenersOpenedBeforeIt() throws IOException {
        int first = FreePorts.one();
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int second = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            SocketListenerFactory factory = factory();

            assertThatThrownBy(() -> factory.open(ListenerRole.PEER,
                    urls("http://127.0.0.1:" + first, "http://127.0.0.1:" + second)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("listen-peer-urls http://127.0.0.1:" + second + ": listen tcp 127.0.0.1:" + second
                            + ": bind: address already in use");

            assertThat(factory.openListeners()).isEmpty();
            try (ServerSocketChannel rebound = ServerSocketChannel.open()) {
                rebound.bind(new InetSocketAddress("127.0.0.1", first)); // throws if the first listener leaked
            }
        }
    }

    @Test
    void aUnixListenerCreatesItsSocketFileAndRemovesItOnClose() throws IOException {
        Path socket = dir.resolve("client.sock");
        Listener listener = single(factory().open(ListenerRole.CLIENT, urls("unix://" + socket)));

        assertThat(socket).exists();
        assertThat(listener.localAddress()).isEqualTo(UnixDomainSocketAddress.of(socket));
        assertThat(listener.channel().isBlocking()).isTrue();
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             SocketChannel accepted = listener.channel().accept()) {
            assertThat(client.isConnected()).isTrue();
            assertThat(accepted.getLocalAddress()).isEqualTo(UnixDomainSocketAddress.of(socket));
        }

        listener.close();

        assertThat(socket).doesNotExist();
        assertThat(listener.channel().isOpen()).isFalse();
    }

    @Test
    void aStaleSocketFileIsReplaced() throws IOException {
        Path socket = dir.resolve("stale.sock");
        // a socket closed without removing its file, as a process that died leaves it
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        Listener listener = single(factory().open(ListenerRole.CLIENT, urls("unix://" + socket)));

        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             SocketChannel accepted = listener.channel().accept()) {
            assertThat(accepted).isNotNull();
        }
    }

    @Test
    void aRelativeUnixUrlNamesAFileInTheWorkingDirectoryAsInEtcd() {
        // unix://localhost:2379 is the socket file "localhost:2379", not a TCP address
        assertThat(ListenUrl.parse(ListenerRole.CLIENT, URI.create("unix://localhost:2379")).socketPath())
                .isEqualTo(Path.of("localhost:2379"));
    }

    @Test
    void aTlsSchemeWithoutACertificateIsRefusedBeforeAnythingIsBound() throws IOException {
        int port = FreePorts.one();
        SocketListenerFactory factory = factory();

        assertThatThrownBy(() -> factory.open(ListenerRole.CLIENT,
                urls("http://127.0.0.1:" + port, "https://127.0.0.1:2379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + "https://127.0.0.1:2379 with HTTPS scheme");
        assertThatThrownBy(() -> factory.open(ListenerRole.PEER, urls("https://127.0.0.1:2380")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url "
                        + "https://127.0.0.1:2380 with HTTPS scheme");
        assertThatThrownBy(() -> factory.open(ListenerRole.CLIENT_HTTP, urls("unixs://" + dir.resolve("s"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be provided for client url unixs://");

        assertThat(factory.openListeners()).isEmpty();
        assertThat(dir.resolve("s")).doesNotExist();
        try (ServerSocketChannel rebound = ServerSocketChannel.open()) {
            rebound.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void anUnknownSchemeNamesTheUrlAndTheFlag() {
        SocketListenerFactory factory = factory();

        assertThatThrownBy(() -> factory.open(ListenerRole.CLIENT_HTTP, urls("ftp://127.0.0.1:2381")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid value \"ftp://127.0.0.1:2381\" for flag -listen-client-http-urls: "
                        + "URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:2381");
        assertThat(factory.openListeners()).isEmpty();
    }

    @Test
    void aFileDescriptorLimitTooLowToServeClientsFailsWithEtcdsMessage() throws IOException {
        int port = FreePorts.one();
        SocketListenerFactory factory = factory(TransportSettings.defaults(), CLIENT_TLS_OFF, () -> 150);

        for (ListenerRole role : List.of(ListenerRole.CLIENT, ListenerRole.CLIENT_HTTP)) {
            assertThatThrownBy(() -> factory.open(role, urls("http://127.0.0.1:" + port)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("file descriptor limit[150] of etcd process is too low, and should be set higher "
                            + "than 150 to ensure internal usage");
        }

        assertThat(factory.openListeners()).isEmpty();
        try (ServerSocketChannel rebound = ServerSocketChannel.open()) {
            rebound.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void theFileDescriptorLimitBindsClientRolesOnlyAndAboveTheReserve() throws IOException {
        SocketListenerFactory lowLimit = factory(TransportSettings.defaults(), CLIENT_TLS_OFF, () -> 150);
        assertThat(lowLimit.open(ListenerRole.PEER, urls("http://127.0.0.1:0"))).hasSize(1);

        SocketListenerFactory justEnough = factory(TransportSettings.defaults(), CLIENT_TLS_OFF, () -> 151);
        assertThat(justEnough.open(ListenerRole.CLIENT, urls("http://127.0.0.1:0"))).hasSize(1);

        SocketListenerFactory unknown = factory(TransportSettings.defaults(), CLIENT_TLS_OFF, () -> -1);
        assertThat(unknown.open(ListenerRole.CLIENT, urls("http://127.0.0.1:0"))).hasSize(1);
    }

    @Test
    void reusePortLetsTwoFactoriesBindTheSamePort() throws IOException {
        TransportSettings reusePort = new TransportSettings(false, true);
        Listener first = single(factory(reusePort).open(ListenerRole.CLIENT, urls("http://127.0.0.1:0")));
        int port = ((InetSocketAddress) first.localAddress()).getPort();

        Listener second = single(factory(reusePort).open(ListenerRole.CLIENT, urls("http://127.0.0.1:" + port)));

        assertThat(second.localAddress()).isEqualTo(first.localAddress());
        assertThat(second.channel().getOption(StandardSocketOptions.SO_REUSEPORT)).isTrue();
    }

    @Test
    void withoutReusePortTheSecondBindOfAPortFails() throws IOException {
        Listener first = single(factory().open(ListenerRole.CLIENT, urls("http://127.0.0.1:0")));
        int port = ((InetSocketAddress) first.localAddress()).getPort();
        SocketListenerFactory second = factory();

        assertThat(first.channel().getOption(StandardSocketOptions.SO_REUSEPORT)).isFalse();
        assertThatThrownBy(() -> second.open(ListenerRole.CLIENT, urls("http://127.0.0.1:" + port)))
                .isInstanceOf(IOException.class)
                .hasMessageEndingWith("bind: address already in use");
        assertThat(second.openListeners()).isEmpty();
    }

    @Test
    void peerListenersHaveRafthttpsFiveSecondTimeoutsAndClientListenersNone() throws IOException {
        SocketListenerFactory factory = factory();

        Listener peer = single(factory.open(ListenerRole.PEER, urls("http://127.0.0.1:0")));
        Listener client = single(factory.open(ListenerRole.CLIENT, urls("http://127.0.0.1:0")));
        Listener clientHttp = single(factory.open(ListenerRole.CLIENT_HTTP, urls("unix://" + dir.resolve("h.sock"))));

        assertThat(peer.readTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(peer.writeTimeout()).isEqualTo(Duration.ofSeconds(5));
        for (Listener other : List.of(client, clientHttp)) {
            assertThat(other.readTimeout()).isEqualTo(Duration.ZERO);
            assertThat(other.writeTimeout()).isEqualTo(Duration.ZERO);
        }
    }

    @Test
    void openListenersTracksOpenAndClose() throws IOException {
        SocketListenerFactory factory = factory();
        List<Listener> peers = factory.open(ListenerRole.PEER, urls("http://127.0.0.1:0", "http://127.0.0.1:0"));
        Listener client = single(factory.open(ListenerRole.CLIENT, urls("unix://" + dir.resolve("c.sock"))));
        assertThat(factory.openListeners()).containsExactly(peers.get(0), peers.get(1), client);

        peers.get(0).close();
        peers.get(0).close(); // idempotent
        assertThat(factory.openListeners()).containsExactly(peers.get(1), client);

        factory.close();
        assertThat(factory.openListeners()).isEmpty();
        assertThat(peers.get(1).channel().isOpen()).isFalse();
        assertThat(client.channel().isOpen()).isFalse();
        assertThat(dir.resolve("c.sock")).doesNotExist();
    }

    @Test
    void tlsIsThePolicyForHttpsAndUnixsOnly() throws IOException {
        TlsPolicy clientTls = withCertificate(TlsRole.CLIENT, false);
        SocketListenerFactory factory = factory(TransportSettings.defaults(), clientTls, () -> -1);

        List<Listener> listeners = factory.open(ListenerRole.CLIENT, urls(
                "http://127.0.0.1:0", "https://127.0.0.1:0",
                "unix://" + dir.resolve("plain.sock"), "unixs://" + dir.resolve("secure.sock")));

        assertThat(listeners).extracting(Listener::tls)
                .containsExactly(Optional.empty(), Optional.of(clientTls), Optional.empty(), Optional.of(clientTls));
    }

    @Test
    void thePeerRoleUsesThePeerPolicy() throws IOException {
        TlsPolicy peerTls = withCertificate(TlsRole.PEER, true);
        SocketListenerFactory factory = new SocketListenerFactory(TransportSettings.defaults(), CLIENT_TLS_OFF, peerTls);
        factories.add(factory);

        Listener peer = single(factory.open(ListenerRole.PEER, urls("https://127.0.0.1:0")));

        assertThat(peer.tls()).contains(peerTls);
        assertThatThrownBy(() -> factory.open(ListenerRole.CLIENT, urls("https://127.0.0.1:0")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plaintextUrlsOfARoleWithACertificateGetEtcdsWarnings() {
        TlsPolicy clientTls = withCertificate(TlsRole.CLIENT, true);
        TlsPolicy peerTls = withCertificate(TlsRole.PEER, true);

        assertThat(SocketListenerFactory.plaintextWarnings(ListenerRole.CLIENT, url(ListenerRole.CLIENT,
                "http://127.0.0.1:2379"), clientTls)).containsExactly(
                "scheme is HTTP while key and cert files are present; ignoring key and cert files "
                        + "(client-url http://127.0.0.1:2379)",
                "scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL "
                        + "(client-url http://127.0.0.1:2379)");
        assertThat(SocketListenerFactory.plaintextWarnings(ListenerRole.PEER, url(ListenerRole.PEER,
                "unix://peer.sock"), peerTls)).containsExactly(
                "scheme is HTTP while key and cert files are present; ignoring key and cert files "
                        + "(peer-url unix://peer.sock)",
                "scheme is HTTP while --peer-client-cert-auth is enabled; ignoring client cert auth for this URL "
                        + "(peer-url unix://peer.sock)");
        assertThat(SocketListenerFactory.plaintextWarnings(ListenerRole.CLIENT, url(ListenerRole.CLIENT,
                "http://127.0.0.1:2379"), withCertificate(TlsRole.CLIENT, false))).hasSize(1);
        assertThat(SocketListenerFactory.plaintextWarnings(ListenerRole.CLIENT, url(ListenerRole.CLIENT,
                "https://127.0.0.1:2379"), clientTls)).isEmpty();
        assertThat(SocketListenerFactory.plaintextWarnings(ListenerRole.CLIENT, url(ListenerRole.CLIENT,
                "http://127.0.0.1:2379"), CLIENT_TLS_OFF)).isEmpty();
    }

    @Test
    void aPolicyOfTheWrongRoleIsRefused() {
        assertThatThrownBy(() -> new SocketListenerFactory(TransportSettings.defaults(), PEER_TLS_OFF, PEER_TLS_OFF))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the client TLS policy is of role PEER");
    }

    /**
     * The tls bundle's policy for {@code role} with a certificate from a test CA: {@code [peer-]cert-file},
     * {@code [peer-]key-file} and {@code [peer-]client-cert-auth}.
     */
    private TlsPolicy withCertificate(TlsRole role, boolean clientCertAuth) {
        String prefix = role == TlsRole.PEER ? "peer-" : "";
        TestPki.Leaf leaf = pki().leaf(prefix + "member-" + clientCertAuth).write();
        return new FileTlsPolicy(TlsSettings.from(role, Map.of(
                prefix + "cert-file", leaf.certFile().toString(), prefix + "key-file", leaf.keyFile().toString(),
                prefix + "client-cert-auth", Boolean.toString(clientCertAuth)), Map.of()));
    }

    private TestPki pki() {
        if (pki == null) {
            pki = TestPki.create(dir.resolve("pki"), "test CA");
        }
        return pki;
    }

    private SocketListenerFactory factory() {
        return factory(TransportSettings.defaults());
    }

    private SocketListenerFactory factory(TransportSettings settings) {
        return factory(settings, CLIENT_TLS_OFF, () -> 65536);
    }

    private SocketListenerFactory factory(TransportSettings settings, TlsPolicy clientTls,
                                          LongSupplier fdLimit) {
        SocketListenerFactory factory = new SocketListenerFactory(settings, clientTls, PEER_TLS_OFF, fdLimit);
        factories.add(factory);
        return factory;
    }

    private static Listener single(List<Listener> listeners) {
        assertThat(listeners).hasSize(1);
        return listeners.get(0);
    }

    private static List<URI> urls(String... urls) {
        return List.of(urls).stream().map(URI::create).toList();
    }

    private static ListenUrl url(ListenerRole role, String url) {
        return ListenUrl.parse(role, URI.create(url));
    }

    private static void assumeIpv6Loopback() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
        } catch (IOException e) {
            Assumptions.abort("no IPv6 loopback on this host: " + e.getMessage());
        }
    }
}
