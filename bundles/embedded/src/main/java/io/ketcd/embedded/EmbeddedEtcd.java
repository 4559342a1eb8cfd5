package io.ketcd.embedded;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.concurrency.ElectionServer;
import io.ketcd.concurrency.LockServer;
import io.ketcd.grpc.ClientServices;
import io.ketcd.grpc.GrpcServer;
import io.ketcd.grpc.GrpcSettings;
import io.ketcd.http.HttpServer;
import io.ketcd.http.HttpSettings;
import io.ketcd.peer.GrizzlyPeerTransportFactory;
import io.ketcd.raft.RawNode;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.PeerNetwork;
import io.ketcd.server.ServerConfig;
import io.ketcd.tls.FileTlsPolicy;
import io.ketcd.tls.TlsSettings;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One ketcd member with its peer and client listeners, wired as the OSGi components wire them
 * and started in etcd's order: the TLS policies and the listener factory from the configuration,
 * then the server (which opens its peer listeners first), then the gRPC and HTTP servers on the
 * client listeners. Port 0 in a URL binds a free port; {@link #grpcEndpoint()} says which.
 *
 * <pre>{@code
 * try (EmbeddedEtcd etcd = EmbeddedEtcd.start(Map.of(
 *         "data-dir", dir.toString(),
 *         "listen-client-urls", "http://127.0.0.1:0",
 *         "listen-client-http-urls", "http://127.0.0.1:0"))) {
 *     Client client = Client.builder().endpoints(etcd.grpcEndpoint()).build();
 * }
 * }</pre>
 */
public final class EmbeddedEtcd implements AutoCloseable {
    /** Every configuration key {@link #start} reads: the server's, the client listeners', the TLS flags and the socket options. */
    public static final Set<String> KEYS = keys();

    private final KetcdServer server;
    private final SocketListenerFactory listeners;
    private final GrpcServer grpc;
    private final HttpServer http;

    private EmbeddedEtcd(KetcdServer server, SocketListenerFactory listeners, GrpcServer grpc, HttpServer http) {
        this.server = server;
        this.listeners = listeners;
        this.grpc = grpc;
        this.http = http;
    }

    /**
     * Starts a member from etcd configuration keys: the server's ({@link ServerConfig#KEYS}), the
     * client listeners' ({@link GrpcSettings#KEYS}, {@link HttpSettings#KEYS}), the TLS flags
     * ({@link TlsSettings#KEYS}) and the socket options ({@link TransportSettings#KEYS});
     * no environment overrides.
     */
    public static EmbeddedEtcd start(Map<String, ?> config) throws IOException {
        ServerConfig serverConfig = ServerConfig.from(config, Map.of());
        TlsPolicy clientTls = new FileTlsPolicy(TlsSettings.from(TlsRole.CLIENT, config, Map.of()));
        TlsPolicy peerTls = new FileTlsPolicy(TlsSettings.from(TlsRole.PEER, config, Map.of()));
        SocketListenerFactory listeners = new SocketListenerFactory(TransportSettings.from(config, Map.of()),
                clientTls, peerTls);
        KetcdServer server = KetcdServer.start(serverConfig, RawNode::new,
                new PeerNetwork(new GrizzlyPeerTransportFactory(), listeners, peerTls));
        GrpcServer grpc = null;
        try {
            GrpcSettings grpcSettings = GrpcSettings.from(config, Map.of());
            grpc = GrpcServer.start(ClientServices.of(server, server.auth(), new LockServer(server, server, server),
                    new ElectionServer(server, server, server)), grpcSettings,
                    listeners.open(ListenerRole.CLIENT, grpcSettings.listenClientUrls()));
            HttpServer http = HttpServer.start(server, server, listeners.open(ListenerRole.CLIENT_HTTP,
                    HttpSettings.from(config, Map.of()).listenClientHttpUrls()));
            return new EmbeddedEtcd(server, listeners, grpc, http);
        } catch (IOException | RuntimeException e) {
            if (grpc != null) {
                grpc.close();
            }
            server.close();
            listeners.close();
            throw e;
        }
    }

    private static Set<String> keys() {
        Set<String> keys = new TreeSet<>(ServerConfig.KEYS.keySet());
        keys.addAll(GrpcSettings.KEYS.keySet());
        keys.addAll(HttpSettings.KEYS.keySet());
        keys.addAll(TlsSettings.KEYS.keySet());
        keys.addAll(TransportSettings.KEYS.keySet());
        return Collections.unmodifiableSet(keys);
    }

    /** The member: its KV, Cluster and Maintenance services, its ids and configuration. */
    public KetcdServer server() {
        return server;
    }

    /** How often the member stopped on a fatal error and was opened again from its data directory. */
    public long memberRestarts() {
        return server.restarts();
    }

    /** The node's listener factory: every listener it has open, for inspection ({@code etcd:listeners}). */
    public ListenerFactory listeners() {
        return listeners;
    }

    /**
     * Moves the member's peer side to {@code listeners} and {@code peerTls} while it runs, as the
     * OSGi component does when its {@link ListenerFactory} or peer {@link TlsPolicy} service is
     * swapped: see {@link KetcdServer#replacePeerNetwork}. The peer listeners this member had are
     * closed and {@code listen-peer-urls} are opened again from {@code listeners} (null: none,
     * peers cannot reach the member until the next call); raft and data are untouched. The caller
     * keeps ownership of {@code listeners}; the listeners it opens here close with this member.
     */
    public void replacePeerNetwork(ListenerFactory listeners, TlsPolicy peerTls) {
        server.replacePeerNetwork(listeners, peerTls);
    }

    /** Where the gRPC listeners are bound (the actual ports, also when configured as 0). */
    public List<SocketAddress> grpcAddresses() {
        return grpc.boundAddresses();
    }

    public List<SocketAddress> httpAddresses() {
        return http.boundAddresses();
    }

    /**
     * The first gRPC listener as an endpoint URL for clients, e.g. {@code http://127.0.0.1:41234}
     * ({@code https} when that listener serves TLS).
     */
    public String grpcEndpoint() {
        return endpoint(listeners, ListenerRole.CLIENT);
    }

    /** The first HTTP listener as a base URL, e.g. {@code http://127.0.0.1:41235}. */
    public String httpEndpoint() {
        return endpoint(listeners, ListenerRole.CLIENT_HTTP);
    }

    private static String endpoint(ListenerFactory factory, ListenerRole role) {
        Listener first = factory.openListeners().stream().filter(l -> l.role() == role).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + role.label() + " listener is open"));
        if (!(first.localAddress() instanceof InetSocketAddress a)) {
            return first.url().toString();
        }
        String scheme = first.tls().isPresent() ? "https" : "http";
        return scheme + "://" + a.getHostString() + ":" + a.getPort();
    }

    /** Stops listeners first, then the member, so no request arrives at a stopped server. */
    @Override
    public void close() {
        try {
            http.close();
        } finally {
            try {
                grpc.close();
            } finally {
                try {
                    server.close();
                } finally {
                    listeners.close();
                }
            }
        }
    }
}
