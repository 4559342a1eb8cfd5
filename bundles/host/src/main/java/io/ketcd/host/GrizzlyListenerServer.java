package io.ketcd.host;

import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.host.internal.BrokenBodyFilter;
import io.ketcd.host.internal.ChannelAdoption;
import io.ketcd.host.internal.PolicyEngineConfigurator;
import io.ketcd.host.internal.RelayGuardFilter;
import io.ketcd.host.internal.RequestHeadFilter;
import io.ketcd.host.internal.UnixRelay;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.glassfish.grizzly.filterchain.Filter;
import org.glassfish.grizzly.filterchain.FilterChain;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.ShutdownEvent;
import org.glassfish.grizzly.filterchain.TransportFilter;
import org.glassfish.grizzly.http.KeepAlive;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.ServerFilterConfiguration;
import org.glassfish.grizzly.http.util.MimeHeaders;
import org.glassfish.grizzly.nio.transport.TCPNIOServerConnection;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransportBuilder;
import org.glassfish.grizzly.ssl.SSLBaseFilter;
import org.glassfish.grizzly.strategies.SameThreadIOStrategy;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.glassfish.grizzly.utils.DelayedExecutor;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one Grizzly {@link HttpHandler} (for every path) on one {@link Listener}, accepting on
 * the listener's own, already bound channel: the port is never bound again, so what the {@link
 * io.ketcd.api.transport.ListenerFactory} opened (its address, socket options, backlog) is what
 * is served. HTTP/1.1 as Grizzly's {@code HttpServer} speaks it, with:
 * <ul>
 *   <li>TLS when {@link Listener#tls()} is present: the policy's server context and server
 *       parameters (versions, cipher suites, client authentication), set up once; the policy
 *       swaps rotated certificates behind its context;</li>
 *   <li>the listener's {@linkplain Listener#readTimeout() read} and {@linkplain
 *       Listener#writeTimeout() write} timeouts on every blocking read and write of a request or
 *       response body ({@link Duration#ZERO}: unbounded);</li>
 *   <li>an idle timeout: a connection with no traffic for {@link Settings#idleTimeout()} is
 *       closed, between keep-alive requests and also while a request head is incomplete;</li>
 *   <li>Go's net/http rules for bad input: a request head Go refuses gets Go's answer as soon as
 *       its bad byte arrives ({@code RequestHeadFilter}), heads up to Go's 1 MiB + 4 KiB are
 *       taken (431 past that), a body the handler left unread is skipped up to 256 KiB and the
 *       connection closed past that, and each kind of bad input is logged as one escaped line
 *       per interval ({@link io.ketcd.api.log.BadInputLog}), never with a stack trace.</li>
 * </ul>
 *
 * <p>Ownership: from the call to {@link #start} on, the server owns the listener. It closes it
 * when it is {@linkplain #close() closed} and when {@link #start} fails.
 *
 * <p>Unix domain sockets ({@code unix}, {@code unixs}) are served through an in-process relay:
 * Grizzly 4.0.2's TCP transport reads and sets socket options through {@code socket()}, which a
 * Unix domain channel does not support, on the listening channel and on every accepted one, and
 * no public API hands it an accepted channel. So the same filter chain (TLS for {@code unixs},
 * timeouts, idle timeout, handler) is served on an internal TCP socket bound to {@code
 * 127.0.0.1}, port 0, and a {@link UnixRelay} accepts on the listener's Unix channel and copies
 * every connection to that port and back. TLS still ends in Grizzly, so {@code unixs} clients
 * speak TLS over the socket file as etcd's do. The internal port is no way around the socket
 * file's permissions: a {@link RelayGuardFilter} first in the chain closes every connection to
 * it that the relay did not open, before reading a byte (the relay's class comment says why the
 * check cannot be faked). {@link #localAddress()} stays the Unix socket's address, and the log
 * lines name the {@code unix} URL. A relayed connection ends when Grizzly closes its side (idle
 * timeout, a timed-out read or write, {@code Connection: close}) or the client closes its own.
 *
 * <p>Threads (daemon, named {@code <name>-...}): one selector thread that accepts, reads and
 * writes; up to {@link Settings#maxWorkers()} workers that run the handler; one timer thread for
 * the idle timeout; for a Unix listener, one relay thread that accepts on the socket file and
 * copies both ways. Thread-safe.
 */
public final class GrizzlyListenerServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(GrizzlyListenerServer.class);

    /**
     * How a listener is served.
     *
     * @param name names the server's threads and log lines, e.g. {@code ketcd-client-http-0}
     * @param idleTimeout a connection with no traffic for this long is closed (at least a second;
     *     Grizzly counts whole seconds)
     * @param maxWorkers the most handler threads at once
     * @param workerQueue how many requests may wait for a worker before Grizzly refuses them
     * @param closeGrace how long {@link #close()} lets requests in flight finish before it cuts
     *     connections; {@link Duration#ZERO} cuts them at once
     */
    public record Settings(String name, Duration idleTimeout, int maxWorkers, int workerQueue, Duration closeGrace) {
        public Settings {
            Objects.requireNonNull(name, "name");
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
            }
            if (maxWorkers < 1 || workerQueue < 1) {
                throw new IllegalArgumentException("maxWorkers and workerQueue must be positive: " + maxWorkers + ", " + workerQueue);
            }
            if (closeGrace.isNegative()) {
                throw new IllegalArgumentException("closeGrace must not be negative: " + closeGrace);
            }
        }
    }

    /** How long {@link #close()} waits for the selector thread to stop (and release the port). */
    private static final Duration SELECTOR_STOP_BOUND = Duration.ofSeconds(5);
    /**
     * Grizzly's limit on a request head, above Go's ({@code RequestHeadScanner.MAX_HEAD_BYTES},
     * enforced before the codec with Go's 431), so that the codec never refuses a head Go takes.
     */
    private static final int MAX_CODEC_HEAD_BYTES = (1 << 20) + 8192;
    /** Go's {@code maxPostHandlerReadBytes}: the most of a body left unread by the handler that is read to keep the connection. */
    private static final long MAX_UNREAD_BODY_SKIPPED = 256 << 10;
    /** Backlog of a Unix listener's internal loopback port: connects from the relay waiting for Grizzly's accept. */
    private static final int INTERNAL_BACKLOG = 1024;

    private final Listener listener;
    private final Settings settings;
    private final TCPNIOTransport transport;
    private final FilterChain chain;
    /** Runs the idle timeout and closes refused connections after their answer. */
    private final ScheduledExecutorService timerThread;
    private final DelayedExecutor timer;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once {@link #start} has adopted the channel; null while starting. */
    private volatile TCPNIOServerConnection acceptor;
    /** For a Unix listener: the loopback socket Grizzly serves, bound before the server is built. */
    private final ServerSocketChannel internal;
    /** For a Unix listener: set once {@link #start} relays the socket file to {@link #internal}; null before. */
    private volatile UnixRelay relay;

    private GrizzlyListenerServer(Listener listener, HttpHandler handler, Settings settings, ServerSocketChannel internal) {
        this.listener = listener;
        this.settings = settings;
        this.internal = internal;
        this.timerThread = Executors.newSingleThreadScheduledExecutor(new NamedThreads(settings.name() + "-timer"));
        this.timer = new DelayedExecutor(timerThread);
        BadInputLog badInput = new BadInputLog(LOG);
        RelayGuardFilter guard = internal == null ? null : new RelayGuardFilter(settings.name(), this::isRelayed);
        this.chain = filterChain(guard, listener.tls(), handler, settings, badInput);
        this.transport = transport(listener, settings, chain);
    }

    private boolean isRelayed(SocketAddress remote) {
        UnixRelay r = relay;
        return r != null && r.isRelayed(remote);
    }

    /**
     * Serves {@code handler} on {@code listener} and returns once the listener's channel accepts
     * connections for it.
     *
     * A Unix domain listener is served through the relay (see the class comment): the call
     * returns once the socket file accepts connections for the handler.
     *
     * @throws IOException when the channel cannot be served (it is closed, for one), or for a Unix
     *     listener when the internal loopback port cannot be bound
     * @throws IllegalStateException when the listener's TLS policy has no certificate
     */
    public static GrizzlyListenerServer start(Listener listener, HttpHandler handler, Settings settings) throws IOException {
        Objects.requireNonNull(listener, "listener");
        GrizzlyListenerServer server = null;
        ServerSocketChannel internal = null;
        try {
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(settings, "settings");
            if (!listener.channel().isOpen()) {
                throw new IOException("cannot serve " + listener.url() + ": its listener is closed");
            }
            boolean unix = listener.localAddress() instanceof UnixDomainSocketAddress;
            if (unix) {
                internal = ServerSocketChannel.open();
                internal.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), INTERNAL_BACKLOG);
            }
            server = new GrizzlyListenerServer(listener, handler, settings, internal);
            server.timer.start();
            server.transport.start();
            server.acceptor = ChannelAdoption.adopt(server.transport, unix ? internal : listener.channel());
            if (unix) {
                server.relay = UnixRelay.start(settings.name() + "-unix-relay", listener.channel(),
                        (InetSocketAddress) internal.getLocalAddress());
            }
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.stop(Duration.ZERO);
            } else if (internal != null) {
                closeQuietly(internal);
            }
            listener.close();
            throw e;
        }
        if (internal != null) {
            LOG.info("{}: serving {} on {}{} (relayed to {})", settings.name(), listener.url(), listener.localAddress(),
                    listener.tls().isPresent() ? " with TLS" : "", server.relayTarget().orElseThrow());
        } else {
            LOG.info("{}: serving {} on {}{}", settings.name(), listener.url(), listener.localAddress(),
                    listener.tls().isPresent() ? " with TLS" : "");
        }
        return server;
    }

    private FilterChain filterChain(RelayGuardFilter guard, Optional<TlsPolicy> tls, HttpHandler handler, Settings settings,
            BadInputLog badInput) {
        FilterChainBuilder chain = FilterChainBuilder.stateless();
        chain.add(new TransportFilter());
        if (guard != null) {
            chain.add(guard);
        }
        // false: never renegotiate to ask for a client certificate later (TLS 1.3 cannot, and the handlers do not ask)
        tls.ifPresent(policy -> chain.add(new SSLBaseFilter(new PolicyEngineConfigurator(policy), false)));
        chain.add(new RequestHeadFilter(settings.name(), badInput, timerThread));
        long idleSeconds = Math.max(1, settings.idleTimeout().toSeconds());
        KeepAlive keepAlive = new KeepAlive();
        keepAlive.setIdleTimeoutInSeconds(Math.toIntExact(idleSeconds));
        // the codec's own idle queue is off (null executor): the IdleTimeoutFilter below bounds idle
        // connections, including those stuck in a half-sent request head, as Grizzly's HttpServer does
        @SuppressWarnings("deprecation")
        // heads as large as Go's server takes (the RequestHeadFilter answers 431 past them), with any
        // number of headers, as Go does
        org.glassfish.grizzly.http.HttpServerFilter codec = new org.glassfish.grizzly.http.HttpServerFilter(true,
                MAX_CODEC_HEAD_BYTES, null, keepAlive, null, -1, MimeHeaders.MAX_NUM_HEADERS_DEFAULT);
        // a body the handler left unread is skipped only up to Go's maxPostHandlerReadBytes; past that the
        // connection is closed after the answer, not drained (a refused 10 GB upload is not read)
        codec.setMaxPayloadRemainderToSkip(MAX_UNREAD_BODY_SKIPPED);
        // Go reads a body on any method; Grizzly refuses one on GET with a bare 400 unless told, and
        // etcd's peer GET /members/hashkv carries its request as a body
        codec.setAllowPayloadForUndefinedHttpMethods(true);
        chain.add(codec);
        chain.add(new BrokenBodyFilter(settings.name(), badInput));
        chain.add(new IdleTimeoutFilter(timer, idleSeconds, TimeUnit.SECONDS));
        HttpServerFilter server = new HttpServerFilter(new ServerFilterConfiguration(), timer);
        server.setHttpHandler(handler);
        chain.add(server);
        return chain.build();
    }

    /**
     * Threads come from {@link NamedThreads}, not from Grizzly's default factory: its {@code
     * DefaultWorkerThread}s keep per-thread caches that outlive a closed transport, and with them
     * everything the handler references stayed reachable after {@link #close()} (the peer
     * transport's JDK client among them: {@code PeerTransportTest.closeStopsEveryThread}).
     */
    private static TCPNIOTransport transport(Listener listener, Settings settings, FilterChain chain) {
        TCPNIOTransportBuilder builder = TCPNIOTransportBuilder.newInstance();
        // the selector thread parses requests; HttpHandler hands each one to the worker pool, as with NetworkListener
        TCPNIOTransport transport = builder.setIOStrategy(SameThreadIOStrategy.getInstance())
                .setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig().copy()
                        .setPoolName(settings.name() + "-worker").setCorePoolSize(Math.min(4, settings.maxWorkers()))
                        .setMaxPoolSize(settings.maxWorkers()).setQueueLimit(settings.workerQueue()).setDaemon(true)
                        .setThreadFactory(new NamedThreads(settings.name() + "-worker"))
                        .setMemoryManager(builder.getMemoryManager()))
                .build();
        transport.setKernelThreadPoolConfig(ThreadPoolConfig.defaultConfig().copy()
                .setPoolName(settings.name() + "-selector").setCorePoolSize(1).setMaxPoolSize(1).setQueueLimit(16).setDaemon(true)
                .setThreadFactory(new NamedThreads(settings.name() + "-selector")));
        transport.setSelectorRunnersCount(1);
        transport.setReadTimeout(millisOrUnbounded(listener.readTimeout()), TimeUnit.MILLISECONDS);
        transport.setWriteTimeout(millisOrUnbounded(listener.writeTimeout()), TimeUnit.MILLISECONDS);
        transport.setProcessor(chain);
        return transport;
    }

    /** Grizzly's "no bound" is a negative timeout; the listener's is zero. */
    private static long millisOrUnbounded(Duration timeout) {
        return timeout.isZero() || timeout.isNegative() ? -1 : timeout.toMillis();
    }

    /** The listener this server serves (closed once the server is). */
    public Listener listener() {
        return listener;
    }

    /** The served address: the listener's, with the bound port (a Unix listener's socket file address). */
    public SocketAddress localAddress() {
        return listener.localAddress();
    }

    /** For a Unix listener, the internal loopback address its connections are relayed to; empty for TCP. For tests. */
    Optional<InetSocketAddress> relayTarget() {
        if (internal == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable((InetSocketAddress) internal.getLocalAddress());
        } catch (IOException closed) {
            return Optional.empty();
        }
    }

    /**
     * Stops accepting and closes the listener, lets requests in flight finish for up to {@link
     * Settings#closeGrace()}, then closes every connection and stops the server's threads.
     * Returns once the listener's port is free to bind again (waiting at most {@link
     * #SELECTOR_STOP_BOUND} for the selector thread). For a Unix listener, the relay stops
     * accepting first, relays the requests in flight through the grace, and is closed with its
     * connections, the internal port and the listener (whose close removes the socket file)
     * before this returns. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stop(settings.closeGrace());
            listener.close();
            LOG.info("{}: stopped serving {}", settings.name(), listener.url());
        }
    }

    private void stop(Duration grace) {
        closed.set(true);
        UnixRelay r = relay;
        if (r != null) {
            r.stopAccepting();
        }
        TCPNIOServerConnection a = acceptor;
        if (a != null) {
            a.closeSilently();
            if (!grace.isZero()) {
                drain(a, grace);
            }
        }
        // taken before shutdownNow(), which lets go of it
        ExecutorService kernel = transport.getKernelThreadPool();
        try {
            transport.shutdownNow();
        } catch (IOException e) {
            LOG.warn("{}: stopping the transport: {}", settings.name(), e.toString());
        }
        awaitSelectorClosed(kernel);
        if (r != null) {
            r.close();
        }
        if (internal != null) {
            // closed with the acceptor already, unless the start failed before adopting it
            closeQuietly(internal);
        }
        timer.destroy();
        timerThread.shutdownNow();
    }

    private static void closeQuietly(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the internal relay port {}: {}", channel, e.toString());
        }
    }

    /**
     * Waits until the selector thread has closed its selector. A channel registered with a
     * selector is only closed for real (its port released) once the selector deregisters it, which
     * Grizzly's selector thread does as it stops, after {@code shutdownNow()} has returned. Without
     * this wait a caller that closes the server and binds the same port again (a member re-opening
     * its peer listeners on a swapped listener factory) finds it still in use. Not awaited on the
     * selector thread itself, which cannot wait for its own end.
     */
    private void awaitSelectorClosed(ExecutorService kernel) {
        if (kernel == null || Thread.currentThread().getName().startsWith(settings.name() + "-selector")) {
            return;
        }
        try {
            if (!kernel.awaitTermination(SELECTOR_STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: the selector thread did not stop within {}; {} may stay bound until it does",
                        settings.name(), SELECTOR_STOP_BOUND, listener.url());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits, up to {@code grace}, for the requests in flight: Grizzly's HttpServerFilter answers a
     * {@link ShutdownEvent} with a task that completes when its last active request does (what
     * {@code NetworkListener} does on a graceful shutdown).
     */
    private void drain(TCPNIOServerConnection a, Duration grace) {
        ShutdownEvent event = new ShutdownEvent(grace.toMillis(), TimeUnit.MILLISECONDS);
        chain.fireEventDownstream(a, event, null);
        List<Callable<Filter>> tasks = List.copyOf(event.getShutdownTasks());
        if (tasks.isEmpty()) {
            return;
        }
        ExecutorService waiter = Executors.newSingleThreadExecutor(new NamedThreads(settings.name() + "-drain"));
        try {
            waiter.invokeAll(tasks, grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiter.shutdownNow();
        }
    }
}
