package io.ketcd.grpc;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.transport.Listener;
import io.ketcd.grpc.internal.AdoptedServerChannels;
import io.ketcd.grpc.internal.Deadlines;
import io.ketcd.grpc.internal.EtcdServices;
import io.ketcd.grpc.internal.GrpcTls;
import io.ketcd.grpc.internal.TransportLogFilter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's client gRPC API for one member's service facets ({@link ClientServices}): one grpc-java server per listener of
 * {@code listen-client-urls} (opened by the ListenerFactory: TCP or Unix domain socket, with TLS
 * for {@code https} and {@code unixs}), all sharing one pair of Netty event loop groups and one
 * executor that this object owns.
 *
 * <p>Transport settings follow etcd 3.4's defaults: a request may be {@code max-request-bytes}
 * plus etcd's 512 KiB of gRPC overhead (larger ones are refused with RESOURCE_EXHAUSTED), client
 * keepalive pings are accepted every 5 s and without active calls, and the server pings an idle
 * connection after 2 h and drops it when no answer comes within 20 s. Request metadata may be
 * 4 MiB (grpc-go allows 16 MiB; see {@link #MAX_HEADER_LIST_BYTES}), not grpc-java's 8 KiB.
 *
 * <p>Bad input from the network (a broken connection preface, a malformed message or header)
 * fails only the call or connection it came on, with the status etcd would answer, and is
 * logged as at most one rate-limited line without a stack trace ({@link BadInputLog}); see
 * {@link TransportLogFilter}, {@link Deadlines} and the request decoding in {@link
 * EtcdServices}.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

    /** etcd's {@code grpcOverheadBytes}: room for gRPC framing on top of {@code max-request-bytes}. */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    /** How long {@link #close()} lets calls in flight finish before cancelling them. */
    static final Duration GRACE = Duration.ofSeconds(5);
    /** etcd's default election timeout, for servers started without settings. */
    static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofSeconds(1);

    // etcd's --grpc-keepalive-min-time, --grpc-keepalive-interval, --grpc-keepalive-timeout
    private static final Duration KEEPALIVE_MIN_TIME = Duration.ofSeconds(5);
    private static final Duration KEEPALIVE_INTERVAL = Duration.ofHours(2);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
    /**
     * The most request metadata a call may carry: 4 MiB, where grpc-go (and so etcd 3.4) allows
     * 16 MiB. Netty gathers a header block by copying it into a new buffer at each CONTINUATION
     * frame; past its 4 MiB pool chunk each copy is a fresh, zeroed direct buffer, so one 16 MiB
     * header block kept a gRPC event loop (and every connection on it) busy for about 15 s of a
     * cold JVM. 4 MiB is 512 times grpc-java's default of 8 KiB and stays in the pooled path.
     */
    static final int MAX_HEADER_LIST_BYTES = 4 << 20;

    /** Runs a call's handler on the transport thread that read it ({@link EtcdServices.Bound#nonBlocking}). */
    private static final Executor INLINE = Runnable::run;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final List<Server> servers = new ArrayList<>(); // filled by start() only, then read-only
    private final List<Listener> listeners = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final BadInputLog badInput;
    /** Ends the services' long-lived streams; set by start() only. */
    private AutoCloseable streams;

    private GrpcServer(BadInputLog badInput) {
        this.badInput = badInput;
        boss = new NioEventLoopGroup(1, new DefaultThreadFactory("ketcd-grpc-boss", true));
        workers = new NioEventLoopGroup(0, new DefaultThreadFactory("ketcd-grpc-worker", true));
        executor = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("ketcd-grpc-call", true));
    }

    /**
     * Serves {@code server} on {@code listeners} and owns them from here on: they are closed with
     * this server, or before the exception when serving one of them fails. A request may be
     * {@code maxRequestBytes} plus gRPC's overhead.
     *
     * @throws IOException when a listener cannot be served
     */
    public static GrpcServer start(ClientServices server, int maxRequestBytes, List<Listener> listeners) throws IOException {
        return start(server, maxRequestBytes, DEFAULT_ELECTION_TIMEOUT, listeners, new BadInputLog(LOG));
    }

    /**
     * {@link #start(ClientServices, int, List)} with the settings' request limit and election
     * timeout (how often streams that require a leader check for one).
     */
    public static GrpcServer start(ClientServices server, GrpcSettings settings, List<Listener> listeners)
            throws IOException {
        return start(server, settings.maxRequestBytes(), settings.electionTimeout(), listeners, new BadInputLog(LOG));
    }

    /** {@link #start(ClientServices, GrpcSettings, List)} with bad input from the network logged to {@code badInput}. */
    static GrpcServer start(ClientServices server, int maxRequestBytes, Duration electionTimeout,
                            List<Listener> listeners, BadInputLog badInput) throws IOException {
        GrpcServer grpc = new GrpcServer(badInput);
        grpc.listeners.addAll(listeners);
        TransportLogFilter.install(badInput);
        try {
            EtcdServices.Bound bound = EtcdServices.bind(server, grpc.executor, badInput, electionTimeout);
            grpc.streams = bound.streams();
            Deadlines deadlines = new Deadlines(grpc::timerForThisThread, badInput);
            for (Listener listener : listeners) {
                grpc.serve(listener, maxRequestBytes, bound, deadlines);
            }
        } catch (IOException | RuntimeException e) {
            grpc.close();
            throw e;
        }
        return grpc;
    }

    private void serve(Listener listener, int maxRequestBytes, EtcdServices.Bound services, Deadlines deadlines)
            throws IOException {
        if (!listener.channel().isOpen()) {
            throw new IOException("cannot serve gRPC on " + listener.url() + ": its listener is closed");
        }
        NettyServerBuilder builder = NettyServerBuilder
                .forAddress(listener.localAddress())
                .channelFactory(AdoptedServerChannels.of(listener))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                .callExecutor(new ServerCallExecutorSupplier() {
                    @Override
                    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                        return services.nonBlocking(call.getMethodDescriptor()) ? INLINE : null;
                    }
                })
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, (long) maxRequestBytes + GRPC_OVERHEAD_BYTES))
                .maxInboundMetadataSize(MAX_HEADER_LIST_BYTES)
                .decompressorRegistry(EtcdServices.decompressors())
                .addStreamTracerFactory(deadlines.tracerFactory())
                .intercept(deadlines.interceptor())
                .permitKeepAliveTime(KEEPALIVE_MIN_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(KEEPALIVE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        listener.tls().ifPresent(policy -> builder.sslContext(GrpcTls.serverContext(policy)));
        services.definitions().forEach(builder::addService);
        servers.add(builder.build().start());
        LOG.info("serving {} gRPC client requests on {} (listen-client-url {})",
                listener.tls().isPresent() ? "TLS" : "insecure", describe(listener.localAddress()), listener.url());
    }

    /**
     * The event loop running this thread, or any when none does: a deadline scheduled on the loop
     * of the call's own connection needs no wake-up of another thread.
     */
    private ScheduledExecutorService timerForThisThread() {
        for (EventExecutor loop : workers) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return workers.next();
    }

    /**
     * The address each listener is bound to, in {@code listen-client-urls} order: an {@link
     * InetSocketAddress} with the actual port, or a Unix socket's address; unmodifiable.
     */
    public List<SocketAddress> boundAddresses() {
        return listeners.stream().map(Listener::localAddress).toList();
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
        // watch streams last until cancelled: end them now rather than wait out the grace period
        if (streams != null) {
            try {
                streams.close();
            } catch (Exception e) {
                LOG.warn("ending the open streams failed", e);
            }
        }
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
        listeners.forEach(Listener::close);
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
        TransportLogFilter.uninstall(badInput);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address.toString();
    }
}
