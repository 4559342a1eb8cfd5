package io.ketcd.itests;

import static io.ketcd.itests.BadInputCase.Port.GRPC;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.ketcd.grpc.CorruptGzip;
import io.ketcd.grpc.RawHttp2Client;
import io.ketcd.host.RawExchange;

/**
 * Bad input on a member's gRPC client port: connections that are no HTTP/2, and calls that are
 * malformed, too large, too deep or carry bad headers. Each case asserts the answer etcd 3.4 gives
 * (grpc-go's texts where ketcd reproduces them) and, where the server can fail only the bad call,
 * that the same connection serves the next one.
 */
final class GrpcBadInputs {

    /** A connection closed later than this waited for a timeout instead of refusing at once. */
    private static final Duration PROMPT = Duration.ofSeconds(5);
    /** ketcd's limit on request metadata (4 MiB; grpc-go's is 16 MiB, see GrpcServer.MAX_HEADER_LIST_BYTES). */
    private static final int MAX_HEADER_LIST_BYTES = 4 << 20;
    /** etcd's gRPC receive limit: max-request-bytes (1.5 MiB) + 512 KiB. */
    private static final int MAX_RECEIVE_BYTES = 2 << 20;
    /** The start of a TLS 1.2 ClientHello record: handshake, version 3.1, length, ClientHello, 3.3. */
    static final byte[] TLS_CLIENT_HELLO = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private GrpcBadInputs() {
    }

    static List<BadInputCase> cases(int repeat) {
        List<BadInputCase> cases = new ArrayList<>();
        cases.add(new BadInputCase("grpc: random bytes", GRPC, repeat, t -> {
            Random random = new Random(20261121L);
            for (int i = 0; i < repeat; i++) {
                assertClosedPromptly(t, randomBytes(random, 4096));
            }
        }));
        cases.add(BadInputCase.of("grpc: TLS ClientHello on the plain port", GRPC, t -> assertClosedPromptly(t, TLS_CLIENT_HELLO)));
        cases.add(BadInputCase.of("grpc: HTTP/1.1 preface", GRPC,
                t -> assertClosedPromptly(t, "PRI * HTTP/1.1\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        cases.add(BadInputCase.of("grpc: malformed protobuf on KV/Put", GRPC, t -> withChannel(t, channel -> {
            Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, RAW_PUT, CallOptions.DEFAULT,
                    new byte[] {0x0a, 0x7f, 0x01}));
            assertEquals(String.valueOf(status), Status.Code.INTERNAL, status.getCode());
            assertTrue(String.valueOf(status), status.getDescription().startsWith("grpc: error unmarshalling request: "));
            assertChannelServes(channel);
            return null;
        })));
        cases.add(BadInputCase.of("grpc: message over the receive limit", GRPC, t -> withChannel(t, channel -> {
            Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("badinput-oversize"))
                    .setValue(ByteString.copyFrom(new byte[MAX_RECEIVE_BYTES + 1024])).build()));
            assertEquals(String.valueOf(status), Status.Code.RESOURCE_EXHAUSTED, status.getCode());
            assertTrue(String.valueOf(status), status.getDescription().contains(Integer.toString(MAX_RECEIVE_BYTES)));
            assertChannelServes(channel);
            return null;
        })));
        cases.add(BadInputCase.of("grpc: txn nested 200 deep", GRPC, t -> withChannel(t, channel -> {
            Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).txn(nestedTxn(200)));
            assertEquals(String.valueOf(status), Status.Code.INVALID_ARGUMENT, status.getCode());
            assertEquals("etcdserver: too many operations in txn request", status.getDescription());
            assertChannelServes(channel);
            return null;
        })));
        cases.add(BadInputCase.of("grpc: empty key", GRPC, t -> withChannel(t, channel -> {
            Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).put(put("")));
            assertEquals(String.valueOf(status), Status.Code.INVALID_ARGUMENT, status.getCode());
            assertEquals("etcdserver: key is not provided", status.getDescription());
            return null;
        })));
        cases.add(BadInputCase.of("grpc: corrupt gzip message", GRPC, t -> {
            ManagedChannel corrupt = NettyChannelBuilder.forAddress("127.0.0.1", t.node().clientPort()).usePlaintext()
                    .compressorRegistry(CorruptGzip.registry()).build();
            try {
                Status status = statusOf(() -> ClientCalls.blockingUnaryCall(corrupt, KVGrpc.getPutMethod(),
                        CallOptions.DEFAULT.withCompression("gzip").withDeadlineAfter(30, TimeUnit.SECONDS), put("badinput-gzip")));
                assertEquals(String.valueOf(status), Status.Code.INTERNAL, status.getCode());
                assertTrue(String.valueOf(status), status.getDescription().startsWith("grpc: failed to decompress the received message: "));
                assertChannelServes(corrupt);
            } finally {
                corrupt.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }));
        cases.add(BadInputCase.of("grpc: 4 MiB of metadata is accepted", GRPC, t -> withChannel(t, channel -> {
            Metadata big = new Metadata();
            // the list's size counts name + value + 32 per entry and the call's own headers: leave them room
            big.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), "a".repeat(MAX_HEADER_LIST_BYTES - (64 << 10)));
            PutResponse response = KVGrpc.newBlockingStub(ClientInterceptors.intercept(channel, adding(big)))
                    .withDeadlineAfter(30, TimeUnit.SECONDS).put(put("badinput-big-metadata"));
            assertTrue(String.valueOf(response), response.getHeader().getRevision() > 0);
            return null;
        })));
        cases.add(BadInputCase.of("grpc: malformed grpc-timeout fails its call only", GRPC, t -> {
            try (RawHttp2Client raw = new RawHttp2Client(t.node().clientPort())) {
                raw.unary(1, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "soon"), range());
                RawHttp2Client.StreamEnd bad = raw.awaitEnd(1);
                assertEquals(String.valueOf(bad), String.valueOf(Status.Code.INTERNAL.value()), bad.grpcStatus());
                assertTrue(String.valueOf(bad), bad.grpcMessage().startsWith("transport: malformed time-out: "));
                raw.unary(3, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "5S"), range());
                assertEquals("the next call on the connection", "0", raw.awaitEnd(3).grpcStatus());
            }
        }));
        cases.add(BadInputCase.of("grpc: expired grpc-timeout", GRPC, t -> {
            try (RawHttp2Client raw = new RawHttp2Client(t.node().clientPort())) {
                raw.unary(1, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "1n"), range());
                RawHttp2Client.StreamEnd end = raw.awaitEnd(1);
                assertEquals("no RST_STREAM: " + end, -1, end.resetCode());
                assertEquals(String.valueOf(end), String.valueOf(Status.Code.DEADLINE_EXCEEDED.value()), end.grpcStatus());
                raw.unary(3, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range"), range());
                assertEquals("the next call on the connection", "0", raw.awaitEnd(3).grpcStatus());
            }
        }));
        cases.add(BadInputCase.of("grpc: -bin header that is no base64", GRPC, t -> {
            // grpc-java decodes -bin values with the header block, before the stream exists: it can
            // only reset the stream (see io.ketcd.grpc.BadInputTest), and the connection may go with it
            try (RawHttp2Client raw = new RawHttp2Client(t.node().clientPort())) {
                raw.unary(1, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("x-token-bin", "!!not base64!!"), range());
                RawHttp2Client.StreamEnd bad = raw.awaitEnd(1);
                assertEquals("RST_STREAM PROTOCOL_ERROR: " + bad, 1, bad.resetCode());
            }
        }));
        return List.copyOf(cases);
    }

    /** Writes {@code bytes} to the gRPC port: the server closes at once, after at most a GOAWAY frame. */
    private static void assertClosedPromptly(BadInputCase.Target t, byte[] bytes) throws IOException {
        RawExchange r = RawExchange.of(t.node().clientPort(), bytes, Duration.ofSeconds(30));
        assertTrue("closed by the server (got " + r.answer().length + " bytes in " + r.elapsed() + ")", r.closed());
        assertTrue("closed within " + PROMPT + ", took " + r.elapsed(), r.elapsed().compareTo(PROMPT) < 0);
        assertTrue("at most a GOAWAY frame before the close, got " + r.answer().length + " bytes", r.answer().length < 1024);
    }

    static byte[] randomBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    @FunctionalInterface
    private interface ChannelUse {
        Void use(ManagedChannel channel) throws Exception;
    }

    /** Runs {@code use} on a plain grpc-java channel of its own to the target's gRPC port. */
    private static void withChannel(BadInputCase.Target t, ChannelUse use) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", t.node().clientPort()).usePlaintext().build();
        try {
            use.use(channel);
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** The same channel serves a well-formed call after the bad one. */
    private static void assertChannelServes(Channel channel) {
        assertTrue(KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("badinput/")).build())
                .getHeader().getRevision() > 0);
    }

    private static Status statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException("requests only");
        }
    };

    /** KV/Put with a request body of raw bytes. */
    private static final MethodDescriptor<byte[], PutResponse> RAW_PUT =
            KVGrpc.getPutMethod().toBuilder(BYTES, KVGrpc.getPutMethod().getResponseMarshaller()).build();

    private static ClientInterceptor adding(Metadata extra) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.merge(extra);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** A txn {@code depth} levels deep, one put at the bottom. */
    private static TxnRequest nestedTxn(int depth) {
        TxnRequest txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put("badinput-deep"))).build();
        for (int i = 1; i < depth; i++) {
            txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(txn)).build();
        }
        return txn;
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
    }

    private static byte[] range() {
        return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("badinput/")).build().toByteArray();
    }
}
