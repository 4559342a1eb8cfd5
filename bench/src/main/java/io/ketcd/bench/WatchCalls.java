package io.ketcd.bench;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import java.nio.ByteBuffer;

/**
 * etcd's {@code Watch/Watch} as a plain bidirectional gRPC method, and the keys and values of the
 * watch workloads.
 *
 * <p>Keys are {@code --key-size} bytes: a tag byte naming the workload, Go's varint of the key
 * number, zero padding. The tags are odd ASCII letters: the {@code put} workload's keys start with
 * an even byte below 0x80 or a byte of 0x80 and above (the zig-zag varint of a non-negative
 * number), so a watch workload's prefix never covers another workload's keys.
 *
 * <p>A watched put's value starts with a stamp, the phase and the put's ticket, so a watcher can
 * tell which put an event is and when it was sent without waiting for the put's answer (an event
 * may arrive before it).
 */
final class WatchCalls {
    static final MethodDescriptor<WatchRequest, WatchResponse> WATCH = GrpcMethods.of("etcdserverpb.Watch", "Watch",
            MethodDescriptor.MethodType.BIDI_STREAMING, WatchRequest.getDefaultInstance(), WatchResponse.getDefaultInstance());

    static final byte LATENCY_TAG = 'w';
    static final byte FANOUT_TAG = 'o';
    static final byte MEMORY_TAG = 'm';

    /** Bytes of a value's stamp: the phase and the ticket, 4 bytes each, big-endian. */
    static final int STAMP_BYTES = 8;
    /** {@link #stamp} of a value without one. */
    static final long NO_STAMP = -1;

    private WatchCalls() {
    }

    /** The {@code key-size} byte key number {@code n} under {@code tag}. */
    static ByteString key(Options o, byte tag, long n) {
        byte[] key = new byte[o.keySize()];
        key[0] = tag;
        byte[] varint = new byte[10];
        int length = KvCalls.putVarint(varint, n);
        System.arraycopy(varint, 0, key, 1, length);
        return ByteString.copyFrom(key);
    }

    /** A watcher of exactly {@code key}. */
    static WatchRequest watchKey(ByteString key) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)).build();
    }

    /** A watcher of every key under {@code tag}: etcd's prefix range, {@code [tag, tag + 1)}. */
    static WatchRequest watchPrefix(byte tag) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFrom(new byte[] {tag}))
                .setRangeEnd(ByteString.copyFrom(new byte[] {(byte) (tag + 1)}))).build();
    }

    /** A {@code val-size} value: the stamp of ({@code phase}, {@code ticket}), then the seed's bytes of {@link KvCalls#value}. */
    static ByteString value(ByteString filler, int phase, int ticket) {
        ByteBuffer stamp = ByteBuffer.allocate(STAMP_BYTES).putInt(phase).putInt(ticket).flip();
        return ByteString.copyFrom(stamp).concat(filler.substring(STAMP_BYTES));
    }

    /** The phase (high 32 bits) and ticket (low 32 bits) a value was stamped with, or {@link #NO_STAMP}. */
    static long stamp(ByteString value) {
        if (value.size() < STAMP_BYTES) {
            return NO_STAMP;
        }
        // byte by byte: this runs for every event delivered, where a copy per event would show in the client's CPU
        long stamp = 0;
        for (int i = 0; i < STAMP_BYTES; i++) {
            stamp = (stamp << 8) | (value.byteAt(i) & 0xFF);
        }
        return stamp;
    }

    static int phaseOf(long stamp) {
        return (int) (stamp >>> 32);
    }

    static int ticketOf(long stamp) {
        return (int) stamp;
    }
}
