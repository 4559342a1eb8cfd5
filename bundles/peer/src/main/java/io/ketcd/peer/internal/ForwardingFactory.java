package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransport;
import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.peer.RaftReceiver;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** A factory that forwards to another one. */
abstract class ForwardingFactory implements PeerTransportFactory {
    private final PeerTransportFactory delegate;

    ForwardingFactory(PeerTransportFactory delegate) {
        this.delegate = delegate;
    }

    @Override
    public PeerTransport start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners) throws IOException {
        return delegate.start(config, receiver, listeners);
    }

    @Override
    public RemoteCluster fetchCluster(List<URI> peerUrls, Duration timeout, TlsPolicy peerTls) throws IOException {
        return delegate.fetchCluster(peerUrls, timeout, peerTls);
    }
}
