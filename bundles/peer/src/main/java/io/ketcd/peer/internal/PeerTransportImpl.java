package io.ketcd.peer.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.host.GrizzlyListenerServer;
import io.ketcd.host.HandlerMounts;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's rafthttp Transport: a {@link GrizzlyListenerServer} on each peer listener (opened by the
 * listener factory for {@code listen-peer-urls}), one {@link Peer} per remote member, and the
 * snapshot sender; {@link PeerClient} dials the peers, with the peer TLS policy for {@code https}.
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
    /** Whether this JVM was told of its one-thread common pool ({@link #warnOfThreadPerAnswer}). */
    private static final AtomicBoolean WARNED_OF_THREAD_PER_ANSWER = new AtomicBoolean();

    private final PeerTransportConfig config;
    private final RaftReceiver receiver;
    private final Timeouts timeouts;
    private final SplittableRandom random;
    private final Clock clock;
    /** One per listener, in the order of the listeners given to {@link #start}. */
    private final List<GrizzlyListenerServer> servers = new ArrayList<>();
    private final ThreadPoolExecutor httpExecutor;
    /** Set to null by {@link #close()}: Java 17's HttpClient has no close(); its selector thread ends once the client is unreachable. */
    private volatile PeerClient client;
    private final ThreadPoolExecutor snapshotExecutor;
    private volatile SnapshotSender snapshotSender;
    private final ScheduledThreadPoolExecutor promoteExecutor;
    private final MemberPromote promote;
    private final LeaseForward leases;
    private final HashKvForward hashes;
    private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    final Map<PeerChannel, LongAdder> received = counters();
    final Map<PeerChannel, LongAdder> sent = counters();

    /** Served on the peer listeners for the paths the transport does not serve itself (the HTTP handler whiteboard). */
    private final HandlerMounts whiteboard;

    private PeerTransportImpl(PeerTransportConfig config, RaftReceiver receiver, Timeouts timeouts, long seed,
            HandlerMounts whiteboard) {
        this.config = config;
        this.whiteboard = whiteboard;
        this.receiver = receiver;
        this.timeouts = timeouts;
        this.random = new SplittableRandom(seed);
        this.clock = Clock.systemUTC();
        String prefix = "ketcd-peer-" + Ids.hex(config.memberId());
        // The JDK's java.net.http client: in the JDK (no extra bundle), streams request and response bodies with backpressure.
        this.httpExecutor = new ThreadPoolExecutor(0, HTTP_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreads(prefix + "-http"), new ThreadPoolExecutor.CallerRunsPolicy());
        this.client = PeerClient.create(config.peerTls(), timeouts.dialTimeout(), httpExecutor);
        this.snapshotExecutor = new ThreadPoolExecutor(SNAPSHOT_THREADS, SNAPSHOT_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(SNAPSHOT_QUEUE), new NamedThreads(prefix + "-snapshot"));
        this.snapshotSender = new SnapshotSender(config, receiver, client, timeouts);
        this.promoteExecutor = new ScheduledThreadPoolExecutor(1, new NamedThreads(prefix + "-promote"));
        this.promoteExecutor.setRemoveOnCancelPolicy(true);
        this.promoteExecutor.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.promoteExecutor.allowCoreThreadTimeOut(true);
        this.promote = new MemberPromote(config, client, timeouts, promoteExecutor);
        // lease answers share the promote thread: both are small, bounded and rare next to raft traffic
        this.leases = new LeaseForward(config, client, timeouts, promoteExecutor);
        this.hashes = new HashKvForward(config, client, timeouts, promoteExecutor);
        warnOfThreadPerAnswer(prefix);
    }

    /**
     * With a common fork-join pool of one thread (the JDK's default on two cores),
     * CompletableFuture runs default-executor tasks on a new thread each, and the JDK's HTTP
     * client hands every answer to that executor: each request forwarded to the leader then
     * starts a thread. The distribution's bin/setenv sizes the pool; a JVM started otherwise is
     * told here, once per JVM.
     */
    private static void warnOfThreadPerAnswer(String prefix) {
        if (ForkJoinPool.getCommonPoolParallelism() < 2 && !WARNED_OF_THREAD_PER_ANSWER.getAndSet(true)) {
            LOG.warn("{}: the common fork-join pool has {} thread, so the JDK's HTTP client starts a thread for every "
                    + "answer to a request forwarded to the leader (lease keep-alives); start the JVM with "
                    + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", prefix,
                    ForkJoinPool.getCommonPoolParallelism());
        }
    }

    /**
     * Serves the peer endpoints on every listener of {@code listeners}, in order. The transport
     * owns them from the call on: if one cannot be served, the transport and every listener are
     * closed before the exception is thrown.
     *
     * @throws IOException when a listener cannot be served
     */
    public static PeerTransportImpl start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners,
            Timeouts timeouts, long seed) throws IOException {
        return start(config, receiver, listeners, timeouts, seed, new HandlerMounts(HttpWhiteboard.PEER));
    }

    /** {@link #start(PeerTransportConfig, RaftReceiver, List, Timeouts, long)} serving {@code whiteboard} beside the transport's paths. */
    public static PeerTransportImpl start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners,
            Timeouts timeouts, long seed, HandlerMounts whiteboard) throws IOException {
        List<Listener> owned = List.copyOf(listeners);
        PeerTransportImpl transport;
        try {
            transport = new PeerTransportImpl(config, receiver, timeouts, seed, whiteboard);
        } catch (RuntimeException e) {
            owned.forEach(Listener::close);
            throw e;
        }
        int i = 0;
        try {
            for (; i < owned.size(); i++) {
                transport.serve(owned.get(i), i);
            }
        } catch (IOException | RuntimeException e) {
            // the failed listener was closed by its server, the served ones close with the transport
            for (int rest = i + 1; rest < owned.size(); rest++) {
                owned.get(rest).close();
            }
            transport.close();
            throw e;
        }
        return transport;
    }

    private void serve(Listener listener, int index) throws IOException {
        String name = "ketcd-peer-" + Ids.hex(config.memberId()) + "-listener" + index;
        // a connection idle between requests, or stuck in a half-sent request head, is dropped after ConnReadTimeout
        // (the listener's own read and write timeouts bound each blocking read and write, 5 s for etcd's peers)
        GrizzlyListenerServer.Settings settings = new GrizzlyListenerServer.Settings(name, timeouts.connReadTimeout(),
                WORKERS, WORKER_QUEUE, Duration.ZERO);
        GrizzlyListenerServer server = GrizzlyListenerServer.start(listener, new PeerHandler(config, receiver, this, clock, whiteboard), settings);
        synchronized (servers) {
            servers.add(server);
        }
        LOG.info("{}: listening for peers on {} (bound {})", Ids.hex(config.memberId()), listener.url(), listener.localAddress());
    }

    private static Map<PeerChannel, LongAdder> counters() {
        Map<PeerChannel, LongAdder> m = new EnumMap<>(PeerChannel.class);
        for (PeerChannel p : PeerChannel.values()) {
            m.put(p, new LongAdder());
        }
        return m;
    }

    void counted(Map<PeerChannel, LongAdder> counters, PeerChannel channel, int n) {
        counters.get(channel).add(n);
    }

    /** Messages this transport handed to its receiver, by the channel they came on. */
    public long receivedVia(PeerChannel channel) {
        return received.get(channel).sum();
    }

    /** Messages this transport wrote or posted to peers, by channel. */
    public long sentVia(PeerChannel channel) {
        return sent.get(channel).sum();
    }

    /** Whether {@code peerId}'s GET for {@code stream} is attached here (our messages to it flow on that stream). */
    public boolean streamAttached(long peerId, PeerChannel stream) {
        Peer p = peers.get(peerId);
        return p != null && p.writer(stream).attached();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** How often {@code peerId} has attached a {@code stream} here (a reconnect attaches again). */
    public long streamAttachments(long peerId, PeerChannel stream) {
        Peer p = peers.get(peerId);
        return p == null ? 0 : p.writer(stream).attachments();
    }

    Peer peer(long id) {
        return peers.get(id);
    }

    /** The transport's timer thread: promote and forwarding timeouts, and the stream readers' watchdogs. */
    ScheduledExecutorService timers() {
        return promoteExecutor;
    }

    MemberPromote promote() {
        return promote;
    }

    HashKvForward hashes() {
        return hashes;
    }

    LeaseForward leases() {
        return leases;
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
    public void addPeer(long memberId, List<URI> advertised) {
        if (closed.get() || memberId == config.memberId()) {
            return;
        }
        List<URI> peerUrls = dialable(memberId, advertised);
        if (peerUrls.isEmpty()) {
            return;
        }
        peers.computeIfAbsent(memberId, id -> {
            SplittableRandom r;
            synchronized (random) {
                r = random.split();
            }
            LOG.info("{}: added peer {} at {}", Ids.hex(config.memberId()), Ids.hex(id), peerUrls);
            PeerClient c = client;
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
    public void updatePeer(long memberId, List<URI> advertised) {
        List<URI> peerUrls = dialable(memberId, advertised);
        Peer p = peers.get(memberId);
        if (p != null && !peerUrls.isEmpty()) {
            p.update(peerUrls);
            LOG.info("{}: updated peer {} to {}", Ids.hex(config.memberId()), Ids.hex(memberId), peerUrls);
        }
    }

    /**
     * The URLs of {@code urls} this member can dial; the others are logged (membership changes
     * are rare, so once per change). A peer left with none is unreachable, and says so.
     */
    private List<URI> dialable(long memberId, List<URI> urls) {
        List<URI> usable = urls.stream().filter(PeerClient::dialable).toList();
        urls.stream().filter(u -> !PeerClient.dialable(u))
                .forEach(u -> LOG.warn("{}: peer {}: {}", Ids.hex(config.memberId()), Ids.hex(memberId), PeerClient.notDialable(u)));
        if (usable.isEmpty()) {
            LOG.error("{}: peer {} cannot be reached: none of its peer URLs {} can be dialed", Ids.hex(config.memberId()),
                    Ids.hex(memberId), urls);
        }
        return usable;
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

    /**
     * etcd's forwarded renew: {@code POST /leases} to the leader ({@link LeaseForward} has the
     * answers and their errors); this member as the leader asks the local receiver.
     */
    @Override
    public CompletableFuture<Long> renewLease(long leaderId, long leaseId) {
        return toLeader(leaderId, () -> receiver.renewLease(leaseId), leader -> leases.renew(leader, leaseId));
    }

    /** etcd's forwarded time-to-live: {@code POST /leases/internal} to the leader. */
    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(long leaderId, LeaseTimeToLiveRequest request) {
        return toLeader(leaderId, () -> receiver.leaseTimeToLive(request), leader -> leases.timeToLive(leader, request));
    }

    /** etcd's {@code GET /members/hashkv} to a peer ({@link HashKvForward}); this member asks the local receiver. */
    @Override
    public CompletableFuture<HashKVResponse> hashKV(long memberId, HashKVRequest request) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        if (memberId == config.memberId()) {
            return receiver.hashKV(request);
        }
        Peer peer = peers.get(memberId);
        return peer == null ? CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception())
                : hashes.ask(peer, request);
    }

    private <T> CompletableFuture<T> toLeader(long leaderId, java.util.function.Supplier<CompletableFuture<T>> local,
                                              java.util.function.Function<Peer, CompletableFuture<T>> remote) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        if (leaderId == config.memberId()) {
            try {
                CompletableFuture<T> f = local.get();
                return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("no future"));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        Peer leader = peers.get(leaderId);
        return leader == null ? CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception()) : remote.apply(leader);
    }

    @Override
    public Optional<Instant> activeSince(long memberId) {
        Peer p = peers.get(memberId);
        return p == null ? Optional.empty() : p.status().activeSince();
    }

    /** The addresses served, in the order of the listeners given to {@link #start}; a new unmodifiable list. */
    public List<SocketAddress> servedAddresses() {
        synchronized (servers) {
            return servers.stream().map(GrizzlyListenerServer::localAddress).toList();
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
        List<GrizzlyListenerServer> toStop;
        synchronized (servers) {
            toStop = List.copyOf(servers);
        }
        toStop.forEach(GrizzlyListenerServer::close); // closes the listeners too
        snapshotExecutor.shutdownNow();
        httpExecutor.shutdownNow();
        promoteExecutor.shutdownNow();
        promote.close();
        leases.close();
        hashes.close();
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
