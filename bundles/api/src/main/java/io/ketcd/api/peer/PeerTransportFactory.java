package io.ketcd.api.peer;

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
     * Opens a listener on every URL of {@link PeerTransportConfig#listenPeerUrls()}, serves the
     * peer endpoints on them and returns the transport that sends to peers. If any listener fails
     * to open, the ones already open are closed before the exception is thrown.
     *
     * @throws IOException if a listener cannot be opened (the message names the URL)
     */
    PeerTransport start(PeerTransportConfig config, RaftReceiver receiver) throws IOException;

    /**
     * Asks the members at {@code peerUrls} for the cluster they belong to (etcd's
     * GetClusterFromRemotePeers, used by a member that joins with {@code
     * initial-cluster-state=existing}): the first URL that answers wins.
     *
     * @throws IOException if no URL answers within {@code timeout}
     */
    RemoteCluster fetchCluster(List<URI> peerUrls, Duration timeout) throws IOException;
}
