package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransportConfig;

import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headers etcd's rafthttp puts on peer requests, and its checks of them. */
final class PeerHeaders {
    static final String FROM = "X-Server-From";
    static final String SERVER_VERSION = "X-Server-Version";
    static final String MIN_CLUSTER_VERSION = "X-Min-Cluster-Version";
    static final String CLUSTER_ID = "X-Etcd-Cluster-ID";
    static final String RAFT_TO = "X-Raft-To";
    static final String PEER_URLS = "X-PeerURLs";

    /** etcd 3.4's MinClusterVersion. */
    static final String MIN_CLUSTER = "3.0.0";

    static final String INCOMPATIBLE_VERSION = "incompatible version";
    static final String CLUSTER_ID_MISMATCH = "cluster ID mismatch";

    private PeerHeaders() {
    }

    /** Adds the headers every peer request carries. */
    static HttpRequest.Builder common(HttpRequest.Builder b, PeerTransportConfig config) {
        common(config).forEach(b::header);
        return b;
    }

    /** The headers every peer request carries, in a map that keeps their order. */
    static Map<String, String> common(PeerTransportConfig config) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(FROM, Ids.hex(config.memberId()));
        headers.put(SERVER_VERSION, config.serverVersion());
        headers.put(MIN_CLUSTER_VERSION, MIN_CLUSTER);
        headers.put(CLUSTER_ID, Ids.hex(config.clusterId()));
        return headers;
    }

    /**
     * etcd's checkClusterCompatibilityFromHeader: null if the request may proceed, otherwise the
     * 412 body ({@link #INCOMPATIBLE_VERSION} or {@link #CLUSTER_ID_MISMATCH}).
     */
    static String incompatibility(String remoteServer, String remoteMinCluster, String clusterId, PeerTransportConfig config) {
        int[] server = majorMinor(remoteServer == null ? "2.0.0" : remoteServer);
        int[] minCluster = majorMinor(remoteMinCluster == null ? "2.0.0" : remoteMinCluster);
        if (server == null || minCluster == null
                || compare(server, majorMinor(MIN_CLUSTER)) < 0
                || compare(minCluster, majorMinor(config.serverVersion())) > 0) {
            return INCOMPATIBLE_VERSION;
        }
        if (!Ids.hex(config.clusterId()).equals(clusterId)) {
            return CLUSTER_ID_MISMATCH;
        }
        return null;
    }

    private static int compare(int[] a, int[] b) {
        return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    }

    /** Major and minor of a semantic version, null if it is not one. */
    private static int[] majorMinor(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.split("[.\\-+]", 4);
        if (parts.length < 3) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
