package io.ketcd.api.peer;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a member's transport needs to know about the member.
 *
 * @param memberId this member's id (sent as {@code X-Server-From})
 * @param clusterId the cluster id every peer request must carry ({@code X-Etcd-Cluster-ID})
 * @param listenPeerUrls where to serve the peer endpoints ({@code listen-peer-urls})
 * @param serverVersion this member's etcd version, e.g. {@code 3.4.23} ({@code /version}, {@code X-Server-Version})
 * @param clusterVersion the cluster version, e.g. {@code 3.4.0}
 * @param heartbeatInterval raft's heartbeat interval; stream keep-alives and dial timeouts derive from it
 */
public record PeerTransportConfig(
        long memberId,
        long clusterId,
        List<URI> listenPeerUrls,
        String serverVersion,
        String clusterVersion,
        Duration heartbeatInterval) {

    public PeerTransportConfig {
        listenPeerUrls = List.copyOf(listenPeerUrls);
        Objects.requireNonNull(serverVersion, "serverVersion");
        Objects.requireNonNull(clusterVersion, "clusterVersion");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    }
}
