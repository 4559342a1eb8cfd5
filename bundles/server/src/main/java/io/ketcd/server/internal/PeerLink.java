package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.EtcdVersion;
import io.ketcd.api.log.BadInputLog;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's link to its peers (etcd's {@code rafthttp} as the server sees it): the peer
 * transport and the peers it knows, kept in step with the membership; the swap of the transport
 * to a new listener factory or TLS policy, with its retries; and the {@link RaftReceiver} the
 * transport calls, which checks each peer message ({@link PeerMessageCheck}) before raft steps it.
 */
final class PeerLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    private static final int PEER_LISTENER_ATTEMPTS = 10;
    private static final Duration PEER_LISTENER_RETRY = Duration.ofSeconds(1);

    private final long memberId;
    private final long clusterId;
    private final ServerConfig config;
    private final PeerTransportFactory transports;
    private final RaftLoop raftLoop;
    private final CurrentState state;
    private final DataDirectory dataDir;
    private final ScheduledExecutorService retries;
    private final BooleanSupplier stopped;
    private final Consumer<Throwable> fatal;
    /** Promotes a learner on this member, once it is known to lead (a follower forwarded the request). */
    private final LongFunction<CompletableFuture<List<Member>>> promote;
    private final PeerMessageCheck peerMessageCheck;
    private final BadInputLog badPeerInput = new BadInputLog(LOG);
    private final Receiver receiver = new Receiver();
    private volatile Function<HashKVRequest, HashKVResponse> hashes;
    /**
     * Every peer the transport knows, with its URLs: the members applied so far and, for a
     * joining member, the ones it learned from the cluster. A replaced transport gets them all.
     */
    private final Map<Long, List<URI>> peers = new ConcurrentHashMap<>();
    /** Guards swapping the transport against the apply loop adding or removing peers on it. */
    private final Object transportLock = new Object();
    /** Counts peer network swaps, so a retry scheduled for an older one stands down. Guarded by transportLock. */
    private volatile long peerNetworkGeneration;
    private volatile PeerTransport transport;
    /** Answers the lease requests followers forward to this member as their leader; set before start. */
    private volatile LeaseRequests leases;

    /**
     * @param retries runs the retries of re-opening the peer listeners
     * @param stopped whether the member has stopped serving: its receiver then takes nothing
     * @param fatal told when a new transport cannot be started
     */
    PeerLink(long memberId, long clusterId, ServerConfig config, PeerTransportFactory transports, RaftLoop raftLoop,
             CurrentState state, DataDirectory dataDir, ScheduledExecutorService retries, BooleanSupplier stopped,
             Consumer<Throwable> fatal, LongFunction<CompletableFuture<List<Member>>> promote) {
        this.memberId = memberId;
        this.clusterId = clusterId;
        this.config = config;
        this.transports = transports;
        this.raftLoop = raftLoop;
        this.state = state;
        this.dataDir = dataDir;
        this.retries = retries;
        this.stopped = stopped;
        this.fatal = fatal;
        this.promote = promote;
        this.peerMessageCheck = new PeerMessageCheck(memberId, from -> state.read(s -> s.membership().isRemoved(from)));
    }

    /** Starts the transport on {@code peerListeners}, hands it to the raft loop and adds {@code knownPeers}. */
    void start(List<Listener> peerListeners, TlsPolicy peerTls, List<Member> knownPeers) throws IOException {
        synchronized (transportLock) {
            transport = startTransport(peerListeners, peerTls);
            raftLoop.attach(transport);
        }
        for (Member m : knownPeers) {
            addPeer(m);
        }
    }

    private PeerTransport startTransport(List<Listener> peerListeners, TlsPolicy peerTls) throws IOException {
        return transports.start(new PeerTransportConfig(memberId, clusterId, EtcdVersion.SERVER,
                EtcdVersion.CLUSTER, config.heartbeatInterval(), peerTls), receiver, peerListeners);
    }

    /**
     * Moves the link to a new listener factory or peer TLS policy: the transport is stopped (its
     * listeners close, freeing the ports), the peer listeners are opened again from {@code
     * listeners} and a new transport starts on them with every known peer. Messages in flight
     * meanwhile are lost, which raft tolerates. Without a factory ({@code null}, while one is
     * being replaced) the member still reaches its peers but they cannot reach it.
     */
    void replace(ListenerFactory listeners, TlsPolicy peerTls) {
        replace(listeners, peerTls, 1);
    }

    private void replace(ListenerFactory listeners, TlsPolicy peerTls, int attempt) {
        synchronized (transportLock) {
            if (stopped.getAsBoolean()) {
                return;
            }
            long generation = ++peerNetworkGeneration;
            PeerTransport old = transport;
            if (old != null) {
                old.close();
            }
            List<Listener> opened = List.of();
            if (listeners == null) {
                LOG.warn("no listener factory: peers cannot reach member {} until one is available",
                        MemberIds.hex(memberId));
            } else {
                try {
                    opened = listeners.open(ListenerRole.PEER, config.listenPeerUrls());
                } catch (IOException | RuntimeException e) {
                    retryPeerListeners(generation, listeners, peerTls, attempt, e);
                }
            }
            PeerTransport next;
            try {
                next = startTransport(opened, peerTls);
            } catch (IOException | RuntimeException e) {
                fatal.accept(e);
                return;
            }
            peers.forEach(next::addPeer);
            transport = next;
            raftLoop.attach(next);
            LOG.info("member {} now serves peers on {} ({} TLS)", MemberIds.hex(memberId),
                    opened.stream().map(Listener::url).toList(), peerTls.isEnabled() ? "with" : "without");
        }
    }

    /**
     * The peer listeners could not be re-opened (in a swap of OSGi components, a port the
     * previous owner is still releasing): without them peers cannot reach this member, and no
     * further swap may come to fix it, so the same network is tried again a few times, unless
     * another swap came meanwhile.
     */
    private void retryPeerListeners(long generation, ListenerFactory listeners, TlsPolicy peerTls, int attempt,
                                    Exception cause) {
        if (attempt >= PEER_LISTENER_ATTEMPTS) {
            LOG.error("re-opening the peer listeners {} failed {} times; peers cannot reach member {} until the next"
                    + " listener factory or TLS policy", config.listenPeerUrls(), attempt, MemberIds.hex(memberId), cause);
            return;
        }
        LOG.warn("re-opening the peer listeners {} failed ({}); trying again in {} ms", config.listenPeerUrls(),
                cause.getMessage(), PEER_LISTENER_RETRY.toMillis());
        try {
            retries.schedule(() -> {
                if (peerNetworkGeneration == generation) {
                    replace(listeners, peerTls, attempt + 1);
                }
            }, PEER_LISTENER_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: nothing to re-open
        }
    }

    /** Brings the transport's peers in line with {@code membership} after {@code cc} (null: a snapshot) was applied. */
    void membershipChanged(ConfChange cc, Membership membership) {
        if (transport == null) {
            return;
        }
        synchronized (transportLock) {
            if (cc != null && cc.getType() == ConfChangeType.ConfChangeUpdateNode && cc.getNodeId() != memberId) {
                List<URI> updated = urls(membership.get(cc.getNodeId()));
                peers.put(cc.getNodeId(), updated);
                transport.updatePeer(cc.getNodeId(), updated);
            }
            for (Member m : membership.list()) {
                addPeer(m);
            }
            for (Long id : List.copyOf(peers.keySet())) {
                if (membership.isRemoved(id)) {
                    peers.remove(id);
                    transport.removePeer(id);
                }
            }
        }
    }

    private void addPeer(Member m) {
        PeerTransport t = transport;
        if (m.getID() == memberId || t == null) {
            return;
        }
        synchronized (transportLock) {
            if (peers.putIfAbsent(m.getID(), urls(m)) == null) {
                transport.addPeer(m.getID(), urls(m));
            }
        }
    }

    private static List<URI> urls(Member m) {
        return m.getPeerURLsList().stream().map(URI::create).toList();
    }

    /** Asks the leader to promote a learner (see {@link MemberChanges#promote}). */
    CompletableFuture<List<Member>> forwardPromote(long leader, long learner) {
        PeerTransport t = transport;
        if (t == null) {
            return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
        }
        return t.promoteMember(leader, learner);
    }

    /** Serves the lease requests followers forward here (a member answers them only while it leads). */
    void serveLeases(LeaseRequests leases) {
        this.leases = leases;
    }

    /** Answers peers' HashKV requests (the leader's corruption check) with {@code hashes}. */
    void serveHashes(Function<HashKVRequest, HashKVResponse> hashes) {
        this.hashes = hashes;
    }

    /** Member {@code id}'s HashKV, asked over the peer port (this member's own, answered locally). */
    CompletableFuture<HashKVResponse> peerHashKV(long id, HashKVRequest request) {
        PeerTransport t = transport;
        return t == null ? CompletableFuture.failedFuture(EtcdError.STOPPED.exception()) : t.hashKV(id, request);
    }

    /** Asks the leader to renew a lease (see {@link LeaseRequests#renew}). */
    CompletableFuture<Long> forwardRenew(long leader, long leaseId) {
        PeerTransport t = transport;
        return t == null ? CompletableFuture.failedFuture(EtcdError.STOPPED.exception()) : t.renewLease(leader, leaseId);
    }

    /** Asks the leader for a lease's TTL (see {@link LeaseRequests#timeToLive}). */
    CompletableFuture<LeaseTimeToLiveResponse> forwardTimeToLive(long leader, LeaseTimeToLiveRequest r) {
        PeerTransport t = transport;
        return t == null ? CompletableFuture.failedFuture(EtcdError.STOPPED.exception()) : t.leaseTimeToLive(leader, r);
    }

    /** Whether a peer has had a working connection for at least {@code d}. */
    boolean activeFor(long peer, Duration d) {
        PeerTransport t = transport;
        return t != null && t.activeSince(peer).map(since -> !since.plus(d).isAfter(Instant.now())).orElse(false);
    }

    @Override
    public void close() {
        synchronized (transportLock) {
            PeerTransport t = transport;
            if (t != null) {
                t.close();
            }
        }
    }

    /** The member as its peers reach it through the transport. */
    private final class Receiver implements RaftReceiver {

        @Override
        public boolean process(Message message) {
            if (stopped.getAsBoolean()) {
                return false;
            }
            String problem = peerMessageCheck.problem(message);
            if (problem != null) {
                // taken and dropped, as etcd's raft drops local message types from the network
                dropped(message, problem);
                return true;
            }
            return step(message);
        }

        /** Hands a checked message to the raft loop. */
        private boolean step(Message message) {
            return !stopped.getAsBoolean() && raftLoop.receive(message);
        }

        private void dropped(Message message, String problem) {
            badPeerInput.warn("raft message: " + message.getType(), "member {} dropped a {} from {}: {}",
                    MemberIds.hex(memberId), message.getType(), MemberIds.hex(message.getFrom()), BadInputLog.escape(problem));
        }

        @Override
        public void receiveSnapshot(Message message, InputStream payload) throws IOException {
            String problem = peerMessageCheck.snapshotProblem(message);
            if (problem != null) {
                dropped(message, problem);
                throw new StreamCorruptedException("refused snapshot message: " + problem);
            }
            ConfState confState = dataDir.storeReceivedBackend(message.getSnapshot().getMetadata().getIndex(), payload);
            Snapshot.Builder snap = message.getSnapshot().toBuilder();
            snap.getMetadataBuilder().setConfState(confState);
            if (!step(message.toBuilder().setSnapshot(snap).build())) {
                throw new IOException("member " + MemberIds.hex(memberId) + " cannot take the snapshot now");
            }
        }

        @Override
        public boolean isRemoved(long id) {
            return state.read(s -> s.membership().isRemoved(id));
        }

        @Override
        public boolean isMember(long id) {
            return peers.containsKey(id) || state.read(s -> s.membership().get(id) != null);
        }

        @Override
        public void reportUnreachable(long id) {
            raftLoop.submit(n -> n.reportUnreachable(id));
        }

        @Override
        public void reportSnapshot(long id, boolean failed) {
            raftLoop.submit(n -> n.reportSnapshot(id, failed));
        }

        @Override
        public List<Member> members() {
            return state.members();
        }

        @Override
        public CompletableFuture<List<Member>> promoteMember(long id) {
            if (!raftLoop.isLeader()) {
                return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
            }
            try {
                return promote.apply(id);
            } catch (EtcdException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Long> renewLease(long leaseId) {
            LeaseRequests l = leases;
            return l == null || stopped.getAsBoolean() ? CompletableFuture.failedFuture(EtcdError.STOPPED.exception())
                    : l.renewAsLeader(leaseId);
        }

        @Override
        public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
            Function<HashKVRequest, HashKVResponse> h = hashes;
            if (h == null || stopped.getAsBoolean()) {
                return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
            }
            try {
                return CompletableFuture.completedFuture(h.apply(request));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
            LeaseRequests l = leases;
            return l == null || stopped.getAsBoolean() ? CompletableFuture.failedFuture(EtcdError.STOPPED.exception())
                    : l.timeToLiveAsLeader(request);
        }
    }
}
