package io.ketcd.embedded;

import io.ketcd.grpc.GrpcServer;
import io.ketcd.http.HttpServer;
import io.ketcd.server.EtcdServer;
import io.ketcd.peer.GrizzlyPeerTransportFactory;
import io.ketcd.raft.RawNode;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One ketcd member with its peer and client listeners, started the way {@code etcd} starts:
 * server first (with the peer transport on {@code listen-peer-urls}), then the gRPC and HTTP listeners on {@code listen-client-urls} and
 * {@code listen-client-http-urls}. Port 0 in a URL binds a free port; {@link #grpcEndpoint()}
 * says which.
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
    private final KetcdServer server;
    private final GrpcServer grpc;
    private final HttpServer http;

    private EmbeddedEtcd(KetcdServer server, GrpcServer grpc, HttpServer http) {
        this.server = server;
        this.grpc = grpc;
        this.http = http;
    }

    /** Starts a member from etcd configuration keys (see {@link ServerConfig#KEYS}); no environment overrides. */
    public static EmbeddedEtcd start(Map<String, ?> config) throws IOException {
        return start(ServerConfig.from(config, Map.of()));
    }

    public static EmbeddedEtcd start(ServerConfig config) throws IOException {
        KetcdServer server = KetcdServer.start(config, RawNode::new, new GrizzlyPeerTransportFactory());
        GrpcServer grpc = null;
        try {
            grpc = GrpcServer.start(server);
            HttpServer http = HttpServer.start(server);
            return new EmbeddedEtcd(server, grpc, http);
        } catch (IOException | RuntimeException e) {
            if (grpc != null) {
                grpc.close();
            }
            server.close();
            throw e;
        }
    }

    public EtcdServer server() {
        return server;
    }

    /** Where the gRPC listeners are bound (the actual ports, also when configured as 0). */
    public List<InetSocketAddress> grpcAddresses() {
        return grpc.boundAddresses();
    }

    public List<InetSocketAddress> httpAddresses() {
        return http.boundAddresses();
    }

    /** The first gRPC listener as an endpoint URL for clients, e.g. {@code http://127.0.0.1:41234}. */
    public String grpcEndpoint() {
        return url(grpc.boundAddresses().get(0));
    }

    /** The first HTTP listener as a base URL, e.g. {@code http://127.0.0.1:41235}. */
    public String httpEndpoint() {
        return url(http.boundAddresses().get(0));
    }

    private static String url(InetSocketAddress a) {
        return "http://" + a.getHostString() + ":" + a.getPort();
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
                server.close();
            }
        }
    }
}
