package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's rafthttp Transport: the Grizzly servers on {@code listen-peer-urls}, one {@link Peer}
 * per remote member, and the snapshot sender.
 *
 * <p>Threads (all daemon, all named {@code ketcd-peer-<localIdHex>-...}, all stopped by {@link
 * #close()}): per listener Grizzly's selector and worker threads (workers at most {@link
 * #WORKERS}, each stream a peer reads from us holds one); per peer 2 stream readers and {@link
 * Pipeline#CONNECTIONS} pipeline senders; the JDK HTTP client's executor (at most {@link
 * #HTTP_THREADS}); at most {@link #SNAPSHOT_THREADS} snapshot senders with {@link
 * #SNAPSHOT_QUEUE} waiting; one promote thread (timeouts and answers of forwarded promotes, at most
 * {@link MemberPromote#MAX_IN_FLIGHT} each way). Queues: per peer two stream queues of {@link StreamWriter#QUEUE_BOUND}
 * and a pipeline queue of {@link Pipeline#QUEUE_BOUND} messages; Grizzly's worker queue {@link
 * #WORKER_QUEUE} tasks.
 */
public final class PeerTransportImpl implements PeerTransport {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTransportImpl.class);
    static final int WORKERS = 64;
    static final int WORKER_QUEUE = 256;
    static final int HTTP_THREADS = 64;
    static final int SNAPSHOT_THREADS = 2;
    static final int SNAPSHOT_QUEUE = 4;

    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final Timeouts timeouts;
    private final SplittableRandom random;
    private final Clock clock;
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final ThreadPoolExecutor httpExecutor;
    /** Set to null by {@link #close()}: Java 17's HttpClient has no close(); its selector thread ends once the client is unreachable. */
    private volatile HttpClient client;
    private final ThreadPoolExecutor snapshotExecutor;
    private volatile SnapshotSender snapshotSender;
    private final ScheduledThreadPoolExecutor promoteExecutor;
    private final MemberPromote promote;
    private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    final Map<Path, LongAdder> received = counters();
    final Map<Path, LongAdder> sent = counters();

    private PeerTransportImpl(PeerTransportConfig config, RaftReceiver receiver, Timeouts timeouts, long seed) {
        this.config = config;
        this.receiver = receiver;
        this.timeouts = timeouts;
        this.random = new SplittableRandom(seed);
        this.clock = Clock.systemUTC();
        String prefix = "ketcd-peer-" + Ids.hex(config.memberId());
        // The JDK's java.net.http client: in the JDK (no extra bundle), streams request and response bodies with backpressure.
        this.httpExecutor = new ThreadPoolExecutor(0, HTTP_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreads(prefix + "-http"), new ThreadPoolExecutor.CallerRunsPolicy());
        this.client = newClient(httpExecutor, timeouts);
        this.snapshotExecutor = new ThreadPoolExecutor(SNAPSHOT_THREADS, SNAPSHOT_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(SNAPSHOT_QUEUE), new NamedThreads(prefix + "-snapshot"));
        this.snapshotSender = new SnapshotSender(config, receiver, client, timeouts);
        this.promoteExecutor = new ScheduledThreadPoolExecutor(1, new NamedThreads(prefix + "-promote"));
        this.promoteExecutor.setRemoveOnCancelPolicy(true);
        this.promoteExecutor.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.promoteExecutor.allowCoreThreadTimeOut(true);
        this.promote = new MemberPromote(config, client, timeouts, promoteExecutor);
    }

    static HttpClient newClient(ThreadPoolExecutor executor, Timeouts timeouts) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeouts.dialTimeout())
                .executor(executor)
                .build();
    }

    /**
     * Opens a listener per {@code listen-peer-url} in order; if one fails, closes those already
     * open and throws an IOException naming the URL.
     */
    public static PeerTransportImpl start(PeerTransportConfig config, RaftReceiver receiver, Timeouts timeouts, long seed)
            throws IOException {
        for (URI url : config.listenPeerUrls()) {
            if (!"http".equalsIgnoreCase(url.getScheme())) {
                throw new IOException("listen-peer-urls: unsupported scheme \"" + url.getScheme() + "\" in " + url
                        + " (only http is served so far; https and unix come with the listener factory and TLS policy)");
            }
            if (url.getHost() == null || url.getPort() < 0) {
                throw new IOException("listen-peer-urls: " + url + " needs a host and a port");
            }
        }
        PeerTransportImpl transport = new PeerTransportImpl(config, receiver, timeouts, seed);
        try {
            List<URI> urls = config.listenPeerUrls();
            for (int i = 0; i < urls.size(); i++) {
                transport.listen(urls.get(i), i);
            }
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
        return transport;
    }

    private void listen(URI url, int index) throws IOException {
        String prefix = "ketcd-peer-" + Ids.hex(config.memberId()) + "-listener" + index;
        HttpServer server = new HttpServer();
        NetworkListener listener = new NetworkListener(prefix, host(url), url.getPort());
        TCPNIOTransport tcp = listener.getTransport();
        tcp.setKernelThreadPoolConfig(ThreadPoolConfig.defaultConfig().copy()
                .setPoolName(prefix + "-selector").setCorePoolSize(1).setMaxPoolSize(1).setQueueLimit(16).setDaemon(true)
                .setThreadFactory(new NamedThreads(prefix + "-selector")));
        tcp.setSelectorRunnersCount(1);
        // etcd's peer listener: ConnReadTimeout and ConnWriteTimeout (5 s each) bound every blocking read and write
        tcp.setReadTimeout(timeouts.connReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
        tcp.setWriteTimeout(timeouts.connReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
        tcp.setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig().copy()
                .setPoolName(prefix + "-worker").setCorePoolSize(4).setMaxPoolSize(WORKERS).setQueueLimit(WORKER_QUEUE).setDaemon(true)
                .setThreadFactory(new NamedThreads(prefix + "-worker")));
        // a connection idle between requests, or stuck in a half-sent request head, is dropped after ConnReadTimeout
        listener.getKeepAlive().setIdleTimeoutInSeconds((int) Math.max(1, timeouts.connReadTimeout().toSeconds()));
        server.getServerConfiguration().setName(prefix);
        server.getServerConfiguration().addHttpHandler(new PeerHandler(config, receiver, this, clock));
        synchronized (servers) {
            servers.add(server);
        }
        try {
            // Grizzly's start() binds its listeners before it installs the handlers, so a peer that dials in that
            // moment would get Grizzly's own 404. Start without listeners, then add the listener to the running server:
            // addListener wires the (installed) handlers into the listener's filter chain before it binds.
            server.start();
            server.addListener(listener);
            if (!listener.isStarted()) {
                listener.start(); // addListener only logs a failed bind: bind again for the exception
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot listen for peers on " + url + ": " + e.getMessage(), e);
        }
        InetSocketAddress address = new InetSocketAddress(listener.getHost(), listener.getPort());
        synchronized (servers) {
            bound.add(address);
        }
        LOG.info("{}: listening for peers on {} (bound {})", Ids.hex(config.memberId()), url, address);
    }

    private static String host(URI url) {
        String h = url.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static Map<Path, LongAdder> counters() {
        Map<Path, LongAdder> m = new EnumMap<>(Path.class);
        for (Path p : Path.values()) {
            m.put(p, new LongAdder());
        }
        return m;
    }

    void counted(Map<Path, LongAdder> counters, Path path, int n) {
        counters.get(path).add(n);
    }

    /** Messages this transport handed to its receiver, by the path they came on. */
    public long receivedVia(Path path) {
        return received.get(path).sum();
    }

    /** Messages this transport wrote or posted to peers, by path. */
    public long sentVia(Path path) {
        return sent.get(path).sum();
    }

    /** Whether {@code peerId}'s GET for {@code stream} is attached here (our messages to it flow on that stream). */
    public boolean streamAttached(long peerId, Path stream) {
        Peer p = peers.get(peerId);
        return p != null && p.writer(stream).attached();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** How often {@code peerId} has attached a {@code stream} here (a reconnect attaches again). */
    public long streamAttachments(long peerId, Path stream) {
        Peer p = peers.get(peerId);
        return p == null ? 0 : p.writer(stream).attachments();
    }

    Peer peer(long id) {
        return peers.get(id);
    }

    MemberPromote promote() {
        return promote;
    }

    @Override
    public void send(List<Message> messages) {
        for (Message m : messages) {
            if (m.getType() == MessageType.MsgSnap) {
                LOG.warn("{}: a MsgSnap to {} was passed to send(); snapshots go through sendSnapshot()", Ids.hex(config.memberId()),
                        Ids.hex(m.getTo()));
                receiver.reportSnapshot(m.getTo(), true);
                continue;
            }
            Peer p = peers.get(m.getTo());
            if (p != null) {
                p.send(m);
            } else {
                LOG.debug("{}: dropped a {} to unknown member {}", Ids.hex(config.memberId()), m.getType(), Ids.hex(m.getTo()));
            }
        }
    }

    @Override
    public void sendSnapshot(Message message, SnapshotPayload payload) {
        Peer p = peers.get(message.getTo());
        if (p == null || closed.get()) {
            failSnapshot(message, payload, p == null ? "unknown member" : "transport closed");
            return;
        }
        SnapshotSender sender = snapshotSender;
        if (sender == null) {
            failSnapshot(message, payload, "transport closed");
            return;
        }
        try {
            snapshotExecutor.execute(() -> sender.send(p, message, payload));
        } catch (RejectedExecutionException e) {
            failSnapshot(message, payload, "too many snapshots in flight");
        }
    }

    private void failSnapshot(Message message, SnapshotPayload payload, String why) {
        LOG.warn("{}: snapshot to {} not sent: {}", Ids.hex(config.memberId()), Ids.hex(message.getTo()), why);
        try {
            payload.close();
        } finally {
            receiver.reportSnapshot(message.getTo(), true);
        }
    }

    @Override
    public void addPeer(long memberId, List<URI> peerUrls) {
        if (closed.get() || memberId == config.memberId()) {
            return;
        }
        peers.computeIfAbsent(memberId, id -> {
            SplittableRandom r;
            synchronized (random) {
                r = random.split();
            }
            LOG.info("{}: added peer {} at {}", Ids.hex(config.memberId()), Ids.hex(id), peerUrls);
            HttpClient c = client;
            if (c == null) {
                return null; // closed meanwhile: no mapping
            }
            return new Peer(id, peerUrls, config, receiver, c, timeouts, r, clock, this);
        });
        if (closed.get()) {
            removePeer(memberId);
        }
    }

    @Override
    public void updatePeer(long memberId, List<URI> peerUrls) {
        Peer p = peers.get(memberId);
        if (p != null) {
            p.update(peerUrls);
            LOG.info("{}: updated peer {} to {}", Ids.hex(config.memberId()), Ids.hex(memberId), peerUrls);
        }
    }

    @Override
    public void removePeer(long memberId) {
        Peer p = peers.remove(memberId);
        if (p != null) {
            p.close();
            LOG.info("{}: removed peer {}", Ids.hex(config.memberId()), Ids.hex(memberId));
        }
    }

    /**
     * etcd's forwarded promote: {@code POST /members/promote/<id>} to the leader's current URL
     * ({@link MemberPromote} has the answers and their errors). A leader that is not a peer (0,
     * unknown) fails with {@code NO_LEADER}; this member as the leader asks the local receiver.
     */
    @Override
    public CompletableFuture<List<Member>> promoteMember(long leaderId, long memberId) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        if (leaderId == config.memberId()) {
            CompletableFuture<List<Member>> local;
            try {
                local = receiver.promoteMember(memberId);
            } catch (RuntimeException e) {
                local = CompletableFuture.failedFuture(e);
            }
            return promote.bounded(local == null ? CompletableFuture.failedFuture(new IllegalStateException("no future")) : local);
        }
        Peer leader = peers.get(leaderId);
        if (leader == null) {
            LOG.warn("{}: cannot forward the promote of {}: the leader {} is not a known peer", Ids.hex(config.memberId()),
                    Ids.hex(memberId), Ids.hex(leaderId));
            return CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception());
        }
        return promote.forward(leader, memberId);
    }

    @Override
    public Optional<Instant> activeSince(long memberId) {
        Peer p = peers.get(memberId);
        return p == null ? Optional.empty() : p.status().activeSince();
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        synchronized (servers) {
            return List.copyOf(bound);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Long id : List.copyOf(peers.keySet())) {
            removePeer(id);
        }
        List<HttpServer> toStop;
        synchronized (servers) {
            toStop = List.copyOf(servers);
        }
        for (HttpServer s : toStop) {
            s.shutdownNow();
        }
        snapshotExecutor.shutdownNow();
        httpExecutor.shutdownNow();
        promoteExecutor.shutdownNow();
        promote.close();
        client = null;
        try {
            snapshotExecutor.awaitTermination(5, TimeUnit.SECONDS);
            httpExecutor.awaitTermination(5, TimeUnit.SECONDS);
            promoteExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        snapshotSender = null;
        LOG.info("{}: peer transport closed", Ids.hex(config.memberId()));
    }
}
