package io.ketcd.server;

import io.ketcd.api.EtcdError;
import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.peer.SnapshotPayload;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.Message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Members of one test cluster connected in memory instead of over the peer transport, so the
 * server's cluster logic is tested on its own; links can be cut to partition the cluster. Each
 * member gets its messages on one delivery thread, in the order they were sent. Its listeners
 * are names only (no sockets): a member is found by the peer URLs it was started on.
 */
final class InMemoryNetwork implements PeerTransportFactory, ListenerFactory, AutoCloseable {
    private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    private final Set<Long> isolated = ConcurrentHashMap.newKeySet();
    private final Map<Long, LongAdder> snapshotsDelivered = new ConcurrentHashMap<>();

    private record Node(PeerTransportConfig config, List<URI> peerUrls, RaftReceiver receiver, ExecutorService inbox) {
    }

    /** The peer side of a member started on this network, with TLS off. */
    PeerNetwork peerNetwork() {
        return new PeerNetwork(this, this, TlsPolicy.disabled(TlsRole.PEER));
    }

    @Override
    public List<Listener> open(ListenerRole role, List<URI> urls) {
        return urls.stream().<Listener>map(u -> new NamedListener(u, role)).toList();
    }

    @Override
    public List<Listener> openListeners() {
        return List.of();
    }

    /** A listener that only names its URL; the in-memory network needs no socket. */
    private record NamedListener(URI url, ListenerRole role) implements Listener {
        @Override
        public SocketAddress localAddress() {
            return InetSocketAddress.createUnresolved(url.getHost(), url.getPort());
        }

        @Override
        public ServerSocketChannel channel() {
            throw new UnsupportedOperationException("an in-memory listener has no socket");
        }

        @Override
        public Optional<TlsPolicy> tls() {
            return Optional.empty();
        }

        @Override
        public Duration readTimeout() {
            return Duration.ZERO;
        }

        @Override
        public Duration writeTimeout() {
            return Duration.ZERO;
        }

        @Override
        public void close() {
        }
    }

    /** How many snapshots (with their backends) were delivered to {@code memberId}. */
    long snapshotsDeliveredTo(long memberId) {
        LongAdder n = snapshotsDelivered.get(memberId);
        return n == null ? 0 : n.sum();
    }

    /** Cuts every link of {@code memberId} in both directions. */
    void isolate(long memberId) {
        isolated.add(memberId);
    }

    void heal() {
        isolated.clear();
    }

    private boolean linked(long from, long to) {
        return !isolated.contains(from) && !isolated.contains(to) && nodes.containsKey(to);
    }

    @Override
    public PeerTransport start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners) {
        long self = config.memberId();
        ExecutorService inbox = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "in-memory-peer-" + Long.toHexString(self));
            t.setDaemon(true);
            return t;
        });
        nodes.put(self, new Node(config, listeners.stream().map(Listener::url).toList(), receiver, inbox));
        return new PeerTransport() {
            @Override
            public void send(List<Message> messages) {
                for (Message m : messages) {
                    Node to = nodes.get(m.getTo());
                    if (linked(self, m.getTo()) && !to.receiver().isRemoved(self)) {
                        to.inbox().execute(() -> to.receiver().process(m));
                    } else {
                        receiver.reportUnreachable(m.getTo());
                    }
                }
            }

            @Override
            public void sendSnapshot(Message message, SnapshotPayload payload) {
                Node to = nodes.get(message.getTo());
                if (!linked(self, message.getTo())) {
                    payload.close();
                    receiver.reportSnapshot(message.getTo(), true);
                    return;
                }
                to.inbox().execute(() -> {
                    boolean failed = false;
                    try (payload) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        payload.writeTo(out);
                        to.receiver().receiveSnapshot(message, new ByteArrayInputStream(out.toByteArray()));
                        snapshotsDelivered.computeIfAbsent(message.getTo(), id -> new LongAdder()).increment();
                    } catch (IOException e) {
                        failed = true;
                    }
                    receiver.reportSnapshot(message.getTo(), failed);
                });
            }

            @Override
            public void addPeer(long memberId, List<URI> peerUrls) {
            }

            @Override
            public void updatePeer(long memberId, List<URI> peerUrls) {
            }

            @Override
            public void removePeer(long memberId) {
            }

            @Override
            public CompletableFuture<List<Member>> promoteMember(long leaderId, long memberId) {
                Node leader = nodes.get(leaderId);
                if (leader == null || !linked(self, leaderId)) {
                    return CompletableFuture.failedFuture(EtcdError.TIMEOUT.exception());
                }
                return leader.receiver().promoteMember(memberId);
            }

            @Override
            public CompletableFuture<Long> renewLease(long leaderId, long leaseId) {
                Node leader = nodes.get(leaderId);
                if (leader == null || !linked(self, leaderId)) {
                    return CompletableFuture.failedFuture(EtcdError.TIMEOUT.exception());
                }
                return leader.receiver().renewLease(leaseId);
            }

            @Override
            public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(long leaderId, LeaseTimeToLiveRequest request) {
                Node leader = nodes.get(leaderId);
                if (leader == null || !linked(self, leaderId)) {
                    return CompletableFuture.failedFuture(EtcdError.TIMEOUT.exception());
                }
                return leader.receiver().leaseTimeToLive(request);
            }

            @Override
            public CompletableFuture<io.ketcd.proto.etcdserverpb.HashKVResponse> hashKV(long memberId,
                    io.ketcd.proto.etcdserverpb.HashKVRequest request) {
                Node member = nodes.get(memberId);
                if (member == null || memberId != self && !linked(self, memberId)) {
                    return CompletableFuture.failedFuture(EtcdError.TIMEOUT.exception());
                }
                return member.receiver().hashKV(request);
            }

            @Override
            public Optional<Instant> activeSince(long memberId) {
                return linked(self, memberId) ? Optional.of(Instant.EPOCH) : Optional.empty();
            }

            @Override
            public void close() {
                nodes.remove(self, nodes.get(self));
                inbox.shutdownNow();
            }
        };
    }

    @Override
    public RemoteCluster fetchCluster(List<URI> peerUrls, Duration timeout, TlsPolicy peerTls) throws IOException {
        Set<String> wanted = new HashSet<>();
        peerUrls.forEach(u -> wanted.add(u.toString()));
        for (Node n : nodes.values()) {
            if (n.peerUrls().stream().anyMatch(u -> wanted.contains(u.toString()))) {
                return new RemoteCluster(n.config().clusterId(), n.receiver().members());
            }
        }
        throw new IOException("no member answers at " + peerUrls);
    }

    @Override
    public void close() {
        nodes.values().forEach(n -> n.inbox().shutdownNow());
    }
}
