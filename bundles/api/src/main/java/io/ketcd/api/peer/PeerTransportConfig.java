package io.ketcd.api.peer;

import io.ketcd.api.transport.TlsPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * What a member's transport needs to know about the member.
 *
 * @param memberId this member's id (sent as {@code X-Server-From})
 * @param clusterId the cluster id every peer request must carry ({@code X-Etcd-Cluster-ID})
 * @param serverVersion this member's etcd version, e.g. {@code 3.4.23} ({@code /version}, {@code X-Server-Version})
 * @param clusterVersion the cluster version, e.g. {@code 3.4.0}
 * @param heartbeatInterval raft's heartbeat interval; stream keep-alives and dial timeouts derive from it
 * @param peerTls the peer-role TLS policy: how this member dials {@code https} peer URLs (its
 *     certificate for mutual TLS, the CAs it trusts); a policy that is not enabled dials plain
 *     {@code http} only
 */
public record PeerTransportConfig(
        long memberId,
        long clusterId,
        String serverVersion,
        String clusterVersion,
        Duration heartbeatInterval,
        TlsPolicy peerTls) {

    public PeerTransportConfig {
        Objects.requireNonNull(serverVersion, "serverVersion");
        Objects.requireNonNull(clusterVersion, "clusterVersion");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(peerTls, "peerTls");
    }
}
