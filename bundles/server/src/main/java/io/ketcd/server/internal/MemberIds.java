package io.ketcd.server.internal;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster ids derived exactly as etcd derives them, so that a ketcd member started
 * with the same flags as an etcd member gets the same ids: a member id is the first 8 bytes of
 * SHA-1 over its sorted peer URLs joined with no separator followed by the cluster token; the
 * cluster id is the first 8 bytes of SHA-1 over the sorted member ids, big-endian.
 */
final class MemberIds {

    private MemberIds() {
    }

    static long memberId(Collection<URI> peerUrls, String clusterToken) {
        List<String> urls = new ArrayList<>();
        for (URI u : peerUrls) {
            urls.add(u.toString());
        }
        urls.sort(null);
        return first8(sha1((String.join("", urls) + clusterToken).getBytes(StandardCharsets.UTF_8)));
    }

    static long clusterId(Collection<Long> memberIds) {
        List<Long> ids = new ArrayList<>(memberIds);
        ids.sort(Long::compareUnsigned);
        ByteBuffer b = ByteBuffer.allocate(8 * ids.size());
        for (long id : ids) {
            b.putLong(id);
        }
        return first8(sha1(b.array()));
    }

    /** An id the way etcd prints it: lower-case hex without leading zeros. */
    static String hex(long id) {
        return Long.toHexString(id);
    }

    private static long first8(byte[] hash) {
        return ByteBuffer.wrap(hash, 0, 8).getLong();
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }
}
