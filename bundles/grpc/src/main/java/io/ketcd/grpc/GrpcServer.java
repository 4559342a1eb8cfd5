package io.ketcd.grpc;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.ketcd.grpc.internal.EtcdServices;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's client gRPC API for one {@link EtcdServer}: one grpc-java server per URL of
 * {@code listen-client-urls}, all sharing one pair of Netty event loop groups and one executor
 * that this object owns.
 *
 * <p>Transport settings follow etcd 3.4's defaults: a request may be {@code max-request-bytes}
 * plus etcd's 512 KiB of gRPC overhead (larger ones are refused with RESOURCE_EXHAUSTED), client
 * keepalive pings are accepted every 5 s and without active calls, and the server pings an idle
 * connection after 2 h and drops it when no answer comes within 20 s.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

    /** etcd's {@code grpcOverheadBytes}: room for gRPC framing on top of {@code max-request-bytes}. */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    /** How long {@link #close()} lets calls in flight finish before cancelling them. */
    static final Duration GRACE = Duration.ofSeconds(5);

    // etcd's --grpc-keepalive-min-time, --grpc-keepalive-interval, --grpc-keepalive-timeout
    private static final Duration KEEPALIVE_MIN_TIME = Duration.ofSeconds(5);
    private static final Duration KEEPALIVE_INTERVAL = Duration.ofHours(2);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final List<Server> servers = new ArrayList<>(); // filled by start() only, then read-only
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private GrpcServer() {
        boss = new NioEventLoopGroup(1, new DefaultThreadFactory("ketcd-grpc-boss", true));
        workers = new NioEventLoopGroup(0, new DefaultThreadFactory("ketcd-grpc-worker", true));
        executor = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("ketcd-grpc-call", true));
    }

    /**
     * Serves {@code server} on every URL of {@code server.config().listenClientUrls()}. Port 0
     * binds a free port ({@link #boundAddresses()} tells which).
     *
     * @throws IOException when a URL cannot be bound; the URLs bound before it are closed again
     * @throws IllegalArgumentException for a URL whose scheme is not {@code http} (https and
     *     unix arrive with TLS support)
     */
    public static GrpcServer start(EtcdServer server) throws IOException {
        ServerConfig config = server.config();
        GrpcServer grpc = new GrpcServer();
        try {
            List<ServerServiceDefinition> services = EtcdServices.bind(server, grpc.executor);
            for (URI url : config.listenClientUrls()) {
                grpc.serve(url, config.maxRequestBytes(), services);
            }
        } catch (IOException | RuntimeException e) {
            grpc.close();
            throw e;
        }
        return grpc;
    }

    private void serve(URI url, int maxRequestBytes, List<ServerServiceDefinition> services) throws IOException {
        if (!"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("listen-client-urls: cannot serve " + url
                    + ": only http is supported so far (https and unix arrive with TLS support)");
        }
        NettyServerBuilder builder = NettyServerBuilder
                .forAddress(new InetSocketAddress(url.getHost(), url.getPort()))
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, (long) maxRequestBytes + GRPC_OVERHEAD_BYTES))
                .permitKeepAliveTime(KEEPALIVE_MIN_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(KEEPALIVE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        services.forEach(builder::addService);
        Server started = builder.build().start();
        servers.add(started);
        InetSocketAddress address = (InetSocketAddress) started.getListenSockets().get(0);
        bound.add(address);
        LOG.info("serving insecure gRPC client requests on {} (listen-client-url {})", hostPort(address), url);
    }

    /** The address each URL is bound to, in {@code listen-client-urls} order; unmodifiable. */
    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /**
     * Stops accepting calls, lets calls in flight finish for up to 5 s, cancels the rest, then
     * stops the event loops and the executor. Returns within about 10 s.
     */
    @Override
    public void close() {
        close(GRACE);
    }

    /** {@link #close()} with another grace period for calls in flight. */
    void close(Duration grace) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = false;
        servers.forEach(Server::shutdown);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Server s : servers) {
            try {
                if (!s.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    s.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                s.shutdownNow();
            }
        }
        executor.shutdown();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
            boss.awaitTermination(2, TimeUnit.SECONDS);
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            executor.shutdownNow();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
