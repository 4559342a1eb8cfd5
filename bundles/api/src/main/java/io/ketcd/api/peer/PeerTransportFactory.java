package io.ketcd.api.peer;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Starts the peer transport of one member; the OSGi service that {@code bundles/peer} provides.
 * Thread-safe.
 */
@ProviderType
public interface PeerTransportFactory {

    /**
     * Serves the peer endpoints on {@code listeners} (opened by the {@link
     * io.ketcd.api.transport.ListenerFactory} for {@code listen-peer-urls}, applying each
     * listener's TLS) and returns the transport that sends to peers. The transport owns the
     * listeners from here on: it closes them when it is closed, and when it fails to start.
     *
     * @throws IOException if the endpoints cannot be served
     */
    PeerTransport start(PeerTransportConfig config, RaftReceiver receiver, List<Listener> listeners) throws IOException;

    /**
     * Asks the members at {@code peerUrls} for the cluster they belong to (etcd's
     * GetClusterFromRemotePeers, used by a member that joins with {@code
     * initial-cluster-state=existing}): the first URL that answers wins. {@code https} URLs are
     * dialed with {@code peerTls}.
     *
     * @throws IOException if no URL answers within {@code timeout}
     */
    RemoteCluster fetchCluster(List<URI> peerUrls, Duration timeout, TlsPolicy peerTls) throws IOException;
}
