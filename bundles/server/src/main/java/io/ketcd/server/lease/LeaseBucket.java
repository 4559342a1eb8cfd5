package io.ketcd.server.lease;

import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.proto.leasepb.Lease;
import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The backend's {@code lease} bucket, as etcd lays it out: key = the lease id as 8 big-endian
 * bytes, value = {@code leasepb.Lease{ID, TTL, RemainingTTL}}. Attached keys are not stored here:
 * each key-value carries its lease, and they are attached again from the key-value store on
 * recovery. Writes belong inside the applier's {@link Backend#write} section.
 */
public final class LeaseBucket {
    public static final String NAME = "lease";

    private final Bucket bucket;

    public LeaseBucket(Backend backend) {
        this.bucket = backend.bucket(NAME);
    }

    void put(long id, long ttl, long remainingTtl) {
        bucket.put(key(id), Lease.newBuilder().setID(id).setTTL(ttl).setRemainingTTL(remainingTtl).build().toByteArray());
    }

    void delete(long id) {
        bucket.delete(key(id));
    }

    /**
     * Every stored lease.
     *
     * @throws IllegalStateException if a value does not decode (etcd panics: the backend is corrupt)
     */
    List<Lease> all() {
        List<Lease> out = new ArrayList<>();
        bucket.scan(new byte[0], null, (k, v) -> {
            try {
                out.add(Lease.parseFrom(v));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("failed to unmarshal lease proto item; lease ID="
                        + String.format("%016x", ByteBuffer.wrap(k).getLong()), e);
            }
            return true;
        });
        return out;
    }

    private static byte[] key(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }
}
