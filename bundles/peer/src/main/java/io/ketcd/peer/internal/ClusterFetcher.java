package io.ketcd.peer.internal;

import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.transport.TlsPolicy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * etcd's GetClusterFromRemotePeers: {@code GET /members} on each URL in turn until one answers;
 * {@code https} URLs are dialed with the peer TLS policy.
 */
public final class ClusterFetcher {
    private ClusterFetcher() {
    }

    public static RemoteCluster fetch(List<URI> peerUrls, Duration timeout, TlsPolicy peerTls) throws IOException {
        if (peerUrls.isEmpty()) {
            throw new IOException("could not retrieve cluster information: no peer URLs given");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, 4, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreads("ketcd-peer-fetch-cluster"), new ThreadPoolExecutor.CallerRunsPolicy());
        List<String> failures = new ArrayList<>();
        try {
            PeerClient client = PeerClient.create(peerTls, timeout, executor);
            for (URI url : peerUrls) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    failures.add(url + ": timed out");
                    continue;
                }
                if (!PeerClient.dialable(url)) {
                    failures.add(PeerClient.notDialable(url));
                    continue;
                }
                try {
                    HttpRequest request = HttpRequest.newBuilder(url.resolve("/members")).timeout(Duration.ofNanos(left)).GET().build();
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        failures.add(url + ": " + response.statusCode());
                        continue;
                    }
                    String cid = response.headers().firstValue(PeerHeaders.CLUSTER_ID)
                            .orElseThrow(() -> new IOException("no " + PeerHeaders.CLUSTER_ID + " header"));
                    return new RemoteCluster(Ids.parseHex(cid), MembersJson.parse(response.body()));
                } catch (IOException | NumberFormatException e) {
                    failures.add(url + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while retrieving cluster information", e);
                }
            }
        } finally {
            executor.shutdownNow();
        }
        throw new IOException("could not retrieve cluster information from the given URLs " + failures);
    }
}
