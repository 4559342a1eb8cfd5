package io.ketcd.peer;

import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.host.HandlerMounts;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.peer.internal.ClusterFetcher;
import io.ketcd.peer.internal.PeerTransportImpl;
import io.ketcd.peer.internal.Timeouts;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * etcd's rafthttp in Java: peer endpoints served by Grizzly ({@link
 * io.ketcd.host.GrizzlyListenerServer}) on the listeners opened for {@code listen-peer-urls},
 * outgoing streams, pipeline and snapshots on the JDK's {@code java.net.http} client, with the
 * peer TLS policy for {@code https} peer URLs. Stateless and thread-safe; every {@link #start}
 * returns an independent transport.
 */
public final class GrizzlyPeerTransportFactory implements PeerTransportFactory {
    private final OptionalLong seed;
    private final HandlerMounts whiteboard;

    /** Reconnect jitter seeded from each member's id (reproducible per member, distinct between members). */
    public GrizzlyPeerTransportFactory() {
        this(new HandlerMounts(HttpWhiteboard.PEER));
    }

    /**
     * Transports that also serve {@code whiteboard}'s handlers, live, on the paths they do not
     * serve themselves (the raft transport's own paths always win).
     */
    public GrizzlyPeerTransportFactory(HandlerMounts whiteboard) {
        this.seed = OptionalLong.empty();
        this.whiteboard = whiteboard;
    }

    /** Reconnect jitter seeded with {@code seed}; for tests and simulations. */
    public GrizzlyPeerTransportFactory(long seed) {
        this.seed = OptionalLong.of(seed);
        this.whiteboard = new HandlerMounts(HttpWhiteboard.PEER);
    }

    @Override
    public PeerTransport start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners) throws IOException {
        try {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(receiver, "receiver");
        } catch (NullPointerException e) {
            listeners.forEach(Listener::close);
            throw e;
        }
        return PeerTransportImpl.start(config, receiver, listeners, Timeouts.from(config.heartbeatInterval()),
                seed.orElse(config.memberId()), whiteboard);
    }

    @Override
    public RemoteCluster fetchCluster(List<URI> peerUrls, Duration timeout, TlsPolicy peerTls) throws IOException {
        Objects.requireNonNull(peerTls, "peerTls");
        return ClusterFetcher.fetch(peerUrls, timeout, peerTls);
    }
}
