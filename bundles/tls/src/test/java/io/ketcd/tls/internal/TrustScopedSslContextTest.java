package io.ketcd.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.security.KeyManagementException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.Test;

/** The facade's own contract; the sessions it ends are shown over real handshakes in {@code SessionResumptionTest}. */
class TrustScopedSslContextTest {
    private final AtomicInteger version = new AtomicInteger();
    private final List<SSLContext> built = new ArrayList<>();

    private TrustScopedSslContext context() {
        return TrustScopedSslContext.create("test context", version::get, () -> {
            try {
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(null, null, null);
                built.add(c);
                return c;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void buildsANewInnerContextOnlyWhenTheTrustVersionChanges() {
        TrustScopedSslContext context = context();
        context.createSSLEngine();
        context.createSSLEngine("127.0.0.1", 2379);
        assertThat(built).hasSize(1);

        version.incrementAndGet();
        context.createSSLEngine();
        context.createSSLEngine();

        assertThat(built).hasSize(2);
        assertThat(built.get(1).getServerSessionContext()).isNotSameAs(built.get(0).getServerSessionContext());
    }

    @Test
    void sessionSettingsCarryOverToLaterInnerContexts() {
        TrustScopedSslContext context = context();
        context.getServerSessionContext().setSessionTimeout(300);
        context.getServerSessionContext().setSessionCacheSize(7);
        context.getClientSessionContext().setSessionTimeout(60);

        version.incrementAndGet();
        context.createSSLEngine();

        SSLContext inner = built.get(1);
        assertThat(inner.getServerSessionContext().getSessionTimeout()).isEqualTo(300);
        assertThat(inner.getServerSessionContext().getSessionCacheSize()).isEqualTo(7);
        assertThat(inner.getClientSessionContext().getSessionTimeout()).isEqualTo(60);
        assertThat(context.getServerSessionContext().getSessionTimeout()).isEqualTo(300);
    }

    @Test
    void refusesToBeInitialisedAgain() {
        TrustScopedSslContext context = context();

        assertThatThrownBy(() -> context.init(null, null, null)).isInstanceOf(KeyManagementException.class);
    }

    @Test
    void serverSocketsKeepTheirSettings() throws Exception {
        TrustScopedSslContext context = context();
        try (SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SSLParameters p = socket.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3"});
            p.setNeedClientAuth(true);
            p.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(p);

            assertThat(socket.getEnabledProtocols()).containsExactly("TLSv1.3");
            assertThat(socket.getNeedClientAuth()).isTrue();
            assertThat(socket.getSSLParameters().getApplicationProtocols()).containsExactly("h2");
            assertThat(socket.getUseClientMode()).isFalse();
            assertThat(socket.getLocalPort()).isPositive();
        }
    }
}
