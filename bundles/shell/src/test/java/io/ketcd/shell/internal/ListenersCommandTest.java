package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.api.transport.TlsSummary;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;

class ListenersCommandTest {
    private static final Instant EXPIRES = Instant.parse("2027-11-22T10:15:30Z");

    @Test
    void listsEveryOpenListenerWithItsTls() throws Exception {
        TlsPolicy peerTls = new SummaryOnlyPolicy(new TlsSummary(List.of("TLSv1.2", "TLSv1.3"),
                List.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                Optional.of("CN=m1"), Optional.of(EXPIRES), true));
        List<Listener> open = List.of(
                new FixedListener(URI.create("http://127.0.0.1:2379"), ListenerRole.CLIENT,
                        new InetSocketAddress("127.0.0.1", 2379), Optional.empty()),
                new FixedListener(URI.create("https://127.0.0.1:0"), ListenerRole.PEER,
                        new InetSocketAddress("127.0.0.1", 41234), Optional.of(peerTls)),
                new FixedListener(URI.create("unix://localhost:2381"), ListenerRole.CLIENT_HTTP,
                        UnixDomainSocketAddress.of("localhost:2381"), Optional.empty()));
        ListenersCommand command = new ListenersCommand();
        command.listeners = new ListenerFactory() {
            @Override
            public List<Listener> open(ListenerRole role, List<URI> urls) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<Listener> openListeners() {
                return open;
            }
        };

        List<String> lines = Shell.run(command).lines()
                .map(l -> l.replaceAll("[ │|]+", " ").trim()).toList();

        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).isEqualTo("URL ROLE SCHEME ADDRESS TLS VERSIONS CIPHER SUITES CERTIFICATE EXPIRES");
        assertThat(lines.get(2)).isEqualTo("http://127.0.0.1:2379 client http 127.0.0.1:2379 - - - -");
        assertThat(lines.get(3)).isEqualTo("https://127.0.0.1:0 peer https 127.0.0.1:41234 TLSv1.2,TLSv1.3 "
                + "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 CN=m1 2027-11-22 10:15:30 UTC");
        assertThat(lines.get(4)).isEqualTo("unix://localhost:2381 client-http unix localhost:2381 - - - -");
    }

    private record FixedListener(URI url, ListenerRole role, SocketAddress localAddress,
                                 Optional<TlsPolicy> tls) implements Listener {
        @Override
        public ServerSocketChannel channel() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration readTimeout() {
            return Duration.ZERO;
        }

        @Override
        public Duration writeTimeout() {
            return Duration.ZERO;
        }

        @Override
        public void close() {
        }
    }

    private record SummaryOnlyPolicy(TlsSummary summary) implements TlsPolicy {
        @Override
        public TlsRole role() {
            return TlsRole.PEER;
        }

        @Override
        public boolean isEnabled() {
            return true;
        }

        @Override
        public boolean clientCertAuth() {
            return summary.clientCertAuth();
        }

        @Override
        public SSLContext serverContext() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SSLParameters serverParameters() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SSLContext clientContext() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SSLParameters clientParameters() {
            throw new UnsupportedOperationException();
        }
    }
}
