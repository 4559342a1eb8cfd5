package io.ketcd.raft.sim;

import io.ketcd.proto.raftpb.Entry;

import com.google.protobuf.ByteString;

/**
 * 64-bit chain hashes over log entries. The hash of a log prefix {@code [1, i]} is
 * {@code chain(hash(i-1), entry(i))}, so two logs with the same hash at index i have (with overwhelming
 * probability) identical prefixes up to i. The simulated state machine's digest is the same chain over the
 * applied entries, which lets one number stand for "the log up to i", "the state after applying i" and
 * "the content of a snapshot at i".
 */
final class Hashes {
    /** The hash of the (empty) prefix covered by the bootstrap snapshot. */
    static final long BOOTSTRAP = 0x5EED_0000_0000_0001L;

    private Hashes() {
    }

    /** murmur3's fmix64 finalizer. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    static long chain(long prev, Entry e) {
        long h = mix(prev ^ e.getIndex());
        h = mix(h ^ (e.getTerm() * 31 + e.getTypeValue()));
        ByteString data = e.getData();
        long d = data.size();
        for (int i = 0; i < data.size(); i++) {
            d = d * 31 + data.byteAt(i);
        }
        return mix(h ^ d);
    }

    static ByteString toBytes(long h) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (h >>> (56 - 8 * i));
        }
        return ByteString.copyFrom(b);
    }

    static long fromBytes(ByteString b) {
        if (b.size() != 8) {
            throw new IllegalStateException("snapshot data is not an 8-byte digest: " + b.size() + " bytes");
        }
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (b.byteAt(i) & 0xff);
        }
        return h;
    }
}
