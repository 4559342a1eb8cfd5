package io.ketcd.bench;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;

import java.util.SplittableRandom;

/**
 * etcd's {@code KV/Put} and {@code KV/Range} as plain unary gRPC methods, and the requests of the
 * two workloads. Request number {@code ticket} is a pure function of the options and the ticket,
 * so a run sends the same keys whatever the interleaving of its clients.
 */
final class KvCalls {
    static final MethodDescriptor<PutRequest, PutResponse> PUT = GrpcMethods.of("etcdserverpb.KV", "Put",
            MethodDescriptor.MethodType.UNARY, PutRequest.getDefaultInstance(), PutResponse.getDefaultInstance());
    static final MethodDescriptor<RangeRequest, RangeResponse> RANGE = GrpcMethods.of("etcdserverpb.KV", "Range",
            MethodDescriptor.MethodType.UNARY, RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());

    /** Sends request number {@code ticket} of a workload; the future completes with its response. */
    @FunctionalInterface
    interface Sender {
        ListenableFuture<?> send(Channel channel, CallOptions options, int ticket);
    }

    private KvCalls() {
    }

    static Sender sender(Options o) {
        return switch (o.workload()) {
            case PUT -> put(o);
            case RANGE -> range(o);
            default -> throw new IllegalArgumentException(o.workload().label() + " is not a KV workload");
        };
    }

    /** etcd benchmark's put: a {@code key-size} key holding the varint of the key number, one fixed value. */
    static Sender put(Options o) {
        ByteString value = value(o);
        return (channel, options, ticket) -> {
            byte[] key = new byte[o.keySize()];
            putVarint(key, keyNumber(o, ticket));
            PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFrom(key)).setValue(value).build();
            return ClientCalls.futureUnaryCall(channel.newCall(PUT, options), request);
        };
    }

    /** etcd benchmark's range over one key; every request is the same. */
    static Sender range(Options o) {
        RangeRequest request = RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(o.rangeKey()))
                .setSerializable(o.serializable())
                .build();
        return (channel, options, ticket) -> ClientCalls.futureUnaryCall(channel.newCall(RANGE, options), request);
    }

    /** The put that gives the range workload its key: the key with {@code val-size} value bytes. */
    static PutRequest rangeKeyPut(Options o) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(o.rangeKey())).setValue(value(o)).build();
    }

    /** {@code val-size} bytes drawn from the seed, as etcd's benchmark uses one random value for all puts. */
    static ByteString value(Options o) {
        byte[] bytes = new byte[o.valSize()];
        new SplittableRandom(o.seed()).nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    static long keyNumber(Options o, int ticket) {
        if (o.sequentialKeys()) {
            return ticket % o.keySpaceSize();
        }
        return Math.floorMod(mix(o.seed() + 0x9E3779B97F4A7C15L * (ticket + 1L)), (long) o.keySpaceSize());
    }

    /** SplitMix64's finaliser: a well-spread 64-bit hash of the seed and ticket. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Go's {@code binary.PutVarint} (zig-zag, then base 128, least significant group first). */
    static int putVarint(byte[] buf, long x) {
        long ux = (x << 1) ^ (x >> 63);
        int i = 0;
        while ((ux & ~0x7FL) != 0) {
            buf[i++] = (byte) (ux | 0x80);
            ux >>>= 7;
        }
        buf[i++] = (byte) ux;
        return i;
    }

    static int varintLength(long x) {
        return putVarint(new byte[10], x);
    }
}
