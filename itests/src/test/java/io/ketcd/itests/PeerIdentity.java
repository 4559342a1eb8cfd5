package io.ketcd.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a member is to its peers, as {@code GET /members} on its peer port tells: the cluster id
 * (the {@code X-Etcd-Cluster-ID} response header, hex) and each member's id (decimal in the
 * body, by peer URL). A peer request must name a real member in {@code X-Server-From}, or it is
 * refused before its body is read.
 *
 * @param clusterId hex, as etcd's peer headers carry it
 * @param memberId the target member's id
 * @param senderId the id of the member a crafted request claims to come from
 */
record PeerIdentity(String clusterId, long memberId, long senderId) {

    private static final Pattern MEMBER = Pattern.compile("\\{\"id\":(\\d+),\"peerURLs\":\\[\"([^\"]*)\"");

    /** {@code target}'s identity, with requests claiming to come from {@code sender} (may be {@code target}). */
    static PeerIdentity of(KetcdNode target, KetcdNode sender) {
        HttpResponse<String> response;
        try {
            response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(target.peerUrl() + "/members"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET /members on " + target.peerUrl(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /members on " + target.peerUrl() + ": " + response.statusCode() + " " + response.body());
        }
        Map<String, Long> idsByPeerUrl = new LinkedHashMap<>();
        Matcher m = MEMBER.matcher(response.body());
        while (m.find()) {
            idsByPeerUrl.put(m.group(2), Long.parseUnsignedLong(m.group(1)));
        }
        String clusterId = response.headers().firstValue("X-Etcd-Cluster-ID")
                .orElseThrow(() -> new AssertionError("no X-Etcd-Cluster-ID from " + target.peerUrl()));
        return new PeerIdentity(clusterId, idOf(idsByPeerUrl, target, response.body()), idOf(idsByPeerUrl, sender, response.body()));
    }

    private static long idOf(Map<String, Long> idsByPeerUrl, KetcdNode node, String members) {
        Long id = idsByPeerUrl.get(node.peerUrl());
        if (id == null) {
            throw new AssertionError(node.peerUrl() + " is not in /members: " + members);
        }
        return id;
    }

    String memberHex() {
        return Long.toHexString(memberId);
    }

    String senderHex() {
        return Long.toHexString(senderId);
    }
}
