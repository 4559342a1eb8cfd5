package io.ketcd.http;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.http.internal.ChannelAdoption;
import io.ketcd.http.internal.NamedDaemonThreads;
import io.ketcd.http.internal.PolicyEngineConfigurator;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 *       closed, between keep-alive requests and also while a request head is incomplete.</li>
 * </ul>
 *
 * <p>Ownership: from the call to {@link #start} on, the server owns the listener. It closes it
 * when it is {@linkplain #close() closed} and when {@link #start} fails.
 *
 * <p>Unix domain sockets ({@code unix}, {@code unixs}) are refused: Grizzly's TCP transport reads
 * and sets socket options through {@code socket()}, which a Unix domain channel does not
 * support, on the listening channel and on every accepted one.
 *
 * <p>Threads (daemon, named {@code <name>-...}): one selector thread that accepts, reads and
 * writes; up to {@link Settings#maxWorkers()} workers that run the handler; one timer thread for
 * the idle timeout. Thread-safe.
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

    private final Listener listener;
    private final Settings settings;
    private final TCPNIOTransport transport;
    private final FilterChain chain;
    private final ExecutorService timerThread;
    private final DelayedExecutor timer;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once {@link #start} has adopted the channel; null while starting. */
    private volatile TCPNIOServerConnection acceptor;

    private GrizzlyListenerServer(Listener listener, HttpHandler handler, Settings settings) {
        this.listener = listener;
        this.settings = settings;
        this.timerThread = Executors.newSingleThreadExecutor(new NamedDaemonThreads(settings.name() + "-timer"));
        this.timer = new DelayedExecutor(timerThread);
        this.chain = filterChain(listener.tls(), handler, timer, settings.idleTimeout());
        this.transport = transport(listener, settings, chain);
    }

    /**
     * Serves {@code handler} on {@code listener} and returns once the listener's channel accepts
     * connections for it.
     *
     * @throws IOException when the channel cannot be served (it is closed, for one)
     * @throws IllegalArgumentException when the listener is a Unix domain socket (the message
     *     names its URL)
     * @throws IllegalStateException when the listener's TLS policy has no certificate
     */
    public static GrizzlyListenerServer start(Listener listener, HttpHandler handler, Settings settings) throws IOException {
        Objects.requireNonNull(listener, "listener");
        GrizzlyListenerServer server = null;
        try {
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(settings, "settings");
            if (!(listener.localAddress() instanceof InetSocketAddress)) {
                throw new IllegalArgumentException("cannot serve " + listener.url() + " (" + listener.localAddress()
                        + "): Unix domain sockets are not supported by the Grizzly HTTP host, whose TCP transport configures"
                        + " every channel through socket(), which Unix domain channels do not have; use an http or https URL");
            }
            if (!listener.channel().isOpen()) {
                throw new IOException("cannot serve " + listener.url() + ": its listener is closed");
            }
            server = new GrizzlyListenerServer(listener, handler, settings);
            server.timer.start();
            server.transport.start();
            server.acceptor = ChannelAdoption.adopt(server.transport, listener.channel());
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.stop(Duration.ZERO);
            }
            listener.close();
            throw e;
        }
        LOG.info("{}: serving {} on {}{}", settings.name(), listener.url(), listener.localAddress(),
                listener.tls().isPresent() ? " with TLS" : "");
        return server;
    }

    private static FilterChain filterChain(Optional<TlsPolicy> tls, HttpHandler handler, DelayedExecutor timer, Duration idle) {
        FilterChainBuilder chain = FilterChainBuilder.stateless();
        chain.add(new TransportFilter());
        // false: never renegotiate to ask for a client certificate later (TLS 1.3 cannot, and the handlers do not ask)
        tls.ifPresent(policy -> chain.add(new SSLBaseFilter(new PolicyEngineConfigurator(policy), false)));
        long idleSeconds = Math.max(1, idle.toSeconds());
        KeepAlive keepAlive = new KeepAlive();
        keepAlive.setIdleTimeoutInSeconds(Math.toIntExact(idleSeconds));
        // the codec's own idle queue is off (null executor): the IdleTimeoutFilter below bounds idle
        // connections, including those stuck in a half-sent request head, as Grizzly's HttpServer does
        @SuppressWarnings("deprecation")
        org.glassfish.grizzly.http.HttpServerFilter codec = new org.glassfish.grizzly.http.HttpServerFilter(true,
                org.glassfish.grizzly.http.HttpServerFilter.DEFAULT_MAX_HTTP_PACKET_HEADER_SIZE, null, keepAlive, null,
                MimeHeaders.MAX_NUM_HEADERS_DEFAULT, MimeHeaders.MAX_NUM_HEADERS_DEFAULT);
        chain.add(codec);
        chain.add(new IdleTimeoutFilter(timer, idleSeconds, TimeUnit.SECONDS));
        HttpServerFilter server = new HttpServerFilter(new ServerFilterConfiguration(), timer);
        server.setHttpHandler(handler);
        chain.add(server);
        return chain.build();
    }

    /**
     * Threads come from {@link NamedDaemonThreads}, not from Grizzly's default factory: its {@code
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
                        .setThreadFactory(new NamedDaemonThreads(settings.name() + "-worker"))
                        .setMemoryManager(builder.getMemoryManager()))
                .build();
        transport.setKernelThreadPoolConfig(ThreadPoolConfig.defaultConfig().copy()
                .setPoolName(settings.name() + "-selector").setCorePoolSize(1).setMaxPoolSize(1).setQueueLimit(16).setDaemon(true)
                .setThreadFactory(new NamedDaemonThreads(settings.name() + "-selector")));
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

    /** The served address: the listener's, with the bound port. */
    public SocketAddress localAddress() {
        return listener.localAddress();
    }

    /**
     * Stops accepting and closes the listener, lets requests in flight finish for up to {@link
     * Settings#closeGrace()}, then closes every connection and stops the server's threads.
     * Idempotent.
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
        TCPNIOServerConnection a = acceptor;
        if (a != null) {
            a.closeSilently();
            if (!grace.isZero()) {
                drain(a, grace);
            }
        }
        try {
            transport.shutdownNow();
        } catch (IOException e) {
            LOG.warn("{}: stopping the transport: {}", settings.name(), e.toString());
        }
        timer.destroy();
        timerThread.shutdownNow();
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
        ExecutorService waiter = Executors.newSingleThreadExecutor(new NamedDaemonThreads(settings.name() + "-drain"));
        try {
            waiter.invokeAll(tasks, grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiter.shutdownNow();
        }
    }
}
