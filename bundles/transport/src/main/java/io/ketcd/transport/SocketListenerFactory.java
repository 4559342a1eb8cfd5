package io.ketcd.transport;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.transport.internal.FileDescriptorLimit;
import io.ketcd.transport.internal.ListenUrl;
import io.ketcd.transport.internal.ServerSockets;
import io.ketcd.transport.internal.SocketListener;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ListenerFactory} on JDK server socket channels: TCP for {@code http}/{@code https},
 * Unix domain sockets for {@code unix}/{@code unixs}. It follows etcd's {@code
 * configurePeerListeners} and {@code configureClientListeners}: every URL is checked before the
 * first bind, a TLS scheme needs the role's policy to have a certificate, a plaintext scheme while
 * the policy has one is logged as a warning, client roles check the file-descriptor limit, peer
 * listeners carry rafthttp's 5 s connection timeouts, and a failed bind closes the listeners
 * opened before it.
 *
 * <p>Thread-safe. {@link #close()} closes whatever is still open; the listeners' users normally
 * close them first.
 */
public final class SocketListenerFactory implements ListenerFactory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketListenerFactory.class);

    /**
     * File descriptors etcd keeps for itself (WAL, snapshots, peer connections); a process
     * allowed no more than this cannot serve clients (etcd's {@code reservedInternalFDNum}).
     */
    static final long RESERVED_INTERNAL_FD_NUM = 150;

    /** rafthttp's {@code ConnReadTimeout} and {@code ConnWriteTimeout}: a stalled peer connection is dropped. */
    static final Duration PEER_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private volatile TransportSettings settings;
    private final TlsPolicy clientTls;
    private final TlsPolicy peerTls;
    private final LongSupplier fileDescriptorLimit;
    /** Open listeners in the order they were opened; each removes itself when closed. */
    private final List<Listener> open = new CopyOnWriteArrayList<>();

    /**
     * @param clientTls the policy of {@link TlsRole#CLIENT}, for {@code CLIENT} and {@code CLIENT_HTTP} listeners
     * @param peerTls the policy of {@link TlsRole#PEER}, for {@code PEER} listeners
     * @throws IllegalArgumentException when a policy is of the other role
     */
    public SocketListenerFactory(TransportSettings settings, TlsPolicy clientTls, TlsPolicy peerTls) {
        this(settings, clientTls, peerTls, FileDescriptorLimit::ofProcess);
    }

    /** As the public constructor, reading the file-descriptor limit from {@code fileDescriptorLimit} (negative: unknown). */
    SocketListenerFactory(TransportSettings settings, TlsPolicy clientTls, TlsPolicy peerTls,
                          LongSupplier fileDescriptorLimit) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clientTls = requireRole(clientTls, TlsRole.CLIENT);
        this.peerTls = requireRole(peerTls, TlsRole.PEER);
        this.fileDescriptorLimit = Objects.requireNonNull(fileDescriptorLimit, "fileDescriptorLimit");
    }

    /** The socket options of the listeners opened from now on; those open keep theirs. */
    public void useSettings(TransportSettings next) {
        this.settings = Objects.requireNonNull(next, "settings");
    }

    /** The socket options new listeners get. */
    public TransportSettings settings() {
        return settings;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The returned list is immutable, one listener per URL in the order of {@code urls}. Each
     * channel is bound, open and in blocking mode. Unix socket files are replaced if present and
     * removed when their listener closes.
     */
    @Override
    public List<Listener> open(ListenerRole role, List<URI> urls) throws IOException {
        Objects.requireNonNull(role, "role");
        TlsPolicy policy = policy(role.tlsRole());
        List<ListenUrl> checked = new ArrayList<>(urls.size());
        for (URI url : urls) {
            ListenUrl listenUrl = ListenUrl.parse(role, Objects.requireNonNull(url, "url"));
            if (listenUrl.secure() && !policy.isEnabled()) {
                throw new IllegalArgumentException(missingCertificate(role, url));
            }
            checked.add(listenUrl);
        }
        if (role.tlsRole() == TlsRole.CLIENT && !checked.isEmpty()) {
            checkFileDescriptorLimit();
        }

        List<Listener> opened = new ArrayList<>(checked.size());
        try {
            for (ListenUrl url : checked) {
                plaintextWarnings(role, url, policy).forEach(LOG::warn);
                opened.add(bind(role, url, policy));
            }
        } catch (IOException | RuntimeException e) {
            for (Listener listener : opened) {
                LOG.warn("stopping listening for {} on {}: {}", what(role), listener.url(), e.getMessage());
                listener.close();
            }
            throw e;
        }
        return List.copyOf(opened);
    }

    /** {@inheritDoc} An immutable snapshot. */
    @Override
    public List<Listener> openListeners() {
        return List.copyOf(open);
    }

    /** Closes every listener this factory opened that is still open. */
    @Override
    public void close() {
        for (Listener listener : open) {
            listener.close();
        }
    }

    private Listener bind(ListenerRole role, ListenUrl url, TlsPolicy policy) throws IOException {
        ServerSockets.Bound socket;
        try {
            socket = url.unix() ? ServerSockets.bindUnix(url) : ServerSockets.bindTcp(url, settings);
        } catch (IOException e) {
            throw new IOException(role.flag() + " " + url.url() + ": " + e.getMessage(), e);
        }
        Duration timeout = role == ListenerRole.PEER ? PEER_CONNECTION_TIMEOUT : Duration.ZERO;
        SocketListener listener = new SocketListener(url.url(), role, socket,
                url.secure() ? Optional.of(policy) : Optional.empty(), timeout, timeout,
                url.unix() ? Optional.of(url.socketPath()) : Optional.empty(), open::remove);
        open.add(listener);
        LOG.info("listening for {} on {} (bound {}, role {}, {})", what(role), url.url(), listener.localAddress(),
                role.label(), url.secure() ? "TLS" : "insecure");
        return listener;
    }

    /**
     * What etcd warns about a plaintext URL ({@code http}, {@code unix}) of a role whose policy
     * has a certificate: the certificate, and client certificate authentication, do not apply to
     * it. etcd's peer listeners warn for {@code http} only; {@code unix} is as plaintext, so both
     * roles warn for both.
     */
    static List<String> plaintextWarnings(ListenerRole role, ListenUrl url, TlsPolicy policy) {
        if (url.secure()) {
            return List.of();
        }
        String field = (role == ListenerRole.PEER ? "peer-url " : "client-url ") + url.url();
        String authFlag = role == ListenerRole.PEER ? "--peer-client-cert-auth" : "--client-cert-auth";
        List<String> warnings = new ArrayList<>(2);
        if (policy.isEnabled()) {
            warnings.add("scheme is HTTP while key and cert files are present; ignoring key and cert files (" + field + ")");
        }
        if (policy.clientCertAuth()) {
            warnings.add("scheme is HTTP while " + authFlag + " is enabled; ignoring client cert auth for this URL ("
                    + field + ")");
        }
        return List.copyOf(warnings);
    }

    private void checkFileDescriptorLimit() throws IOException {
        long limit = fileDescriptorLimit.getAsLong();
        if (limit >= 0 && limit <= RESERVED_INTERNAL_FD_NUM) {
            throw new IOException(String.format("file descriptor limit[%d] of etcd process is too low, and should be "
                    + "set higher than %d to ensure internal usage", limit, RESERVED_INTERNAL_FD_NUM));
        }
    }

    private static String missingCertificate(ListenerRole role, URI url) {
        // etcd's configureClientListeners wording; for peers it only says "KeyFile and CertFile are not presented"
        return role == ListenerRole.PEER
                ? "TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url " + url
                        + " with HTTPS scheme"
                : "TLS key/cert (--cert-file, --key-file) must be provided for client url " + url + " with HTTPS scheme";
    }

    /** As etcd's log lines name what a listener serves: "listening for peers on ...". */
    private static String what(ListenerRole role) {
        return switch (role) {
            case PEER -> "peers";
            case CLIENT -> "client requests";
            case CLIENT_HTTP -> "client HTTP requests";
        };
    }

    private TlsPolicy policy(TlsRole role) {
        return role == TlsRole.PEER ? peerTls : clientTls;
    }

    private static TlsPolicy requireRole(TlsPolicy policy, TlsRole role) {
        Objects.requireNonNull(policy, role.property() + " TLS policy");
        if (policy.role() != role) {
            throw new IllegalArgumentException("the " + role.property() + " TLS policy is of role " + policy.role());
        }
        return policy;
    }
}
