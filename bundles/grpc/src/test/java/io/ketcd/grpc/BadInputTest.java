package io.ketcd.grpc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.stub.ClientCalls;
import io.ketcd.api.EtcdError;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.grpc.internal.stub.KVGrpc;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input from the network, over a real socket on 127.0.0.1, against a real GrpcServer: each
 * case gets the status etcd would answer, fails only its own call where etcd does so too, and
 * costs at most one log line.
 */
class BadInputTest {
    private FakeEtcdServer fake;
    private LogCapture log;
    private GrpcServer grpc;
    private int port;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0", "max-request-bytes", "1024"));
        log = new LogCapture();
        grpc = GrpcServer.start(ClientServices.of(fake, fake, fake), fake.settings().maxRequestBytes(),
                fake.settings().electionTimeout(), TestListeners.factory(TlsPolicy.disabled(TlsRole.CLIENT))
                .open(ListenerRole.CLIENT, fake.settings().listenClientUrls()), log.badInputLog);
        port = TestListeners.port(grpc);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, SECONDS);
        grpc.close();
        log.close();
    }

    // --- connections that are no HTTP/2 ------------------------------------------------------

    @Test
    void aBadPrefaceIsClosedAtOnceWithOneLine() throws Exception {
        assertClosedByServer("PRI * HTTP/1.1\r\n\r\nXX\r\n\r\n".getBytes(US_ASCII));
        assertAtMostOneLine();
    }

    @Test
    void aTlsClientHelloOnThePlainPortIsClosedAtOnceWithOneLine() throws Exception {
        // the start of a TLS 1.2 ClientHello record: handshake, version 3.1, length, ClientHello
        byte[] hello = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertClosedByServer(hello);
        assertAtMostOneLine();
    }

    @Test
    void garbageIsClosedAtOnceWithOneLine() throws Exception {
        assertClosedByServer("\u0000\u00ff garbage \r\n\u0007".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(log.badInputLines).singleElement().asString().doesNotContainPattern("[^\\x20-\\x7e]");
        assertAtMostOneLine();
    }

    // --- messages ------------------------------------------------------------------------------

    @Test
    void aMalformedMessageIsInternalWithTheParseErrorAndTheConnectionLives() {
        Status status = statusOf(() -> rawPut(new byte[] {0x0a, 0x7f, 0x01}));
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).startsWith("grpc: error unmarshalling request: ")
                .contains("input ended unexpectedly");
        assertThat(fake.requests).isEmpty();
        assertOtherCallsWork();
        assertAtMostOneLine();
    }

    @Test
    void aTxnNestedBeyondMaxTxnOpsIsTooManyOperationsAsInEtcd() {
        Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).txn(nested(200)));
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo(EtcdError.TOO_MANY_OPS.message())
                .isEqualTo("etcdserver: too many operations in txn request");
        assertThat(fake.requests).isEmpty();
        assertThat(log.lines()).as("a plain client error, as in etcd: not logged").isEmpty();
        assertOtherCallsWork();
    }

    @Test
    void aTxnNestedAsDeepAsEtcdAllowsReachesTheServerAndOneLevelMoreIsTooManyOperations() throws Exception {
        // etcd's default max-txn-ops (128) allows 128 levels of one op each
        fake.failWith(EtcdError.NO_SPACE.exception());
        Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).txn(nested(128)));
        assertThat(status.getDescription()).isEqualTo(EtcdError.NO_SPACE.message());
        assertThat(fake.requests.poll(10, SECONDS)).isEqualTo(nested(128));

        Status deeper = statusOf(() -> KVGrpc.newBlockingStub(channel).txn(nested(129)));
        assertThat(deeper.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(deeper.getDescription()).isEqualTo(EtcdError.TOO_MANY_OPS.message());
        assertThat(fake.requests).isEmpty();
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aCorruptCompressedMessageIsInternalAndTheConnectionLives() {
        assertThat(ClientCalls.blockingUnaryCall(channel, KVGrpc.getPutMethod(),
                CallOptions.DEFAULT.withCompression("gzip"), put("k")).getHeader().getMemberId())
                .as("real gzip").isEqualTo(FakeEtcdServer.MEMBER_ID);
        // this channel sends bytes that are no gzip
        Status status;
        ManagedChannel corrupt = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .compressorRegistry(CorruptGzip.registry()).build();
        try {
            status = statusOf(() -> ClientCalls.blockingUnaryCall(corrupt, KVGrpc.getPutMethod(),
                    CallOptions.DEFAULT.withCompression("gzip"), put("k")));
            assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(status.getDescription()).startsWith("grpc: failed to decompress the received message: ");
            assertThat(KVGrpc.newBlockingStub(corrupt).range(RangeRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k")).build()).getHeader().getMemberId())
                    .isEqualTo(FakeEtcdServer.MEMBER_ID);
        } finally {
            corrupt.shutdownNow();
        }
        assertAtMostOneLine();
    }

    @Test
    void anOversizeMessageIsResourceExhaustedWithOneLine() {
        Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("big")).setValue(ByteString.copyFrom(new byte[600 * 1024])).build()));
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertOtherCallsWork();
        assertAtMostOneLine();
    }

    // --- headers ---------------------------------------------------------------------------------

    @Test
    void metadataUpToGrpcGosLimitIsAccepted() {
        Metadata.Key<String> big = Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER);
        Metadata headers = new Metadata();
        headers.put(big, "a".repeat(200 * 1024));
        PutResponse response = ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
                new io.grpc.ClientInterceptor() {
                    @Override
                    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                            io.grpc.Channel next) {
                        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                            @Override
                            public void start(Listener<R> listener, Metadata extra) {
                                extra.merge(headers);
                                super.start(listener, extra);
                            }
                        };
                    }
                }), KVGrpc.getPutMethod(), CallOptions.DEFAULT, put("k"));
        assertThat(response.getHeader().getMemberId()).isEqualTo(FakeEtcdServer.MEMBER_ID);
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aMalformedGrpcTimeoutFailsOnlyItsCall() throws Exception {
        try (RawHttp2Client raw = new RawHttp2Client(port)) {
            raw.unary(1, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "soon"), range());
            RawHttp2Client.StreamEnd bad = raw.awaitEnd(1);
            assertThat(bad.grpcStatus()).isEqualTo(String.valueOf(Status.Code.INTERNAL.value()));
            assertThat(bad.grpcMessage()).startsWith("transport: malformed time-out: ");
            raw.unary(3, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "5S"), range());
            assertThat(raw.awaitEnd(3).grpcStatus()).isEqualTo("0");
        }
        assertAtMostOneLine();
    }

    /**
     * grpc-java cannot fail only this call: it base64-decodes {@code -bin} values while Netty
     * HPACK-decodes the header block, before the stream exists; Netty resets the stream
     * (PROTOCOL_ERROR), and as that stream was never opened, the request's DATA frame that follows
     * is on an idle stream, a connection error (RFC 9113 5.1) that closes the connection. What
     * ketcd controls is the log: one line.
     */
    @Test
    void aNonBase64BinHeaderIsResetWithOneLine() throws Exception {
        try (RawHttp2Client raw = new RawHttp2Client(port)) {
            Http2Headers headers = RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("x-token-bin", "!!not base64!!");
            raw.unary(1, headers, range());
            RawHttp2Client.StreamEnd bad = raw.awaitEnd(1);
            assertThat(bad.resetCode()).as("RST_STREAM PROTOCOL_ERROR").isEqualTo(1);
        }
        assertOtherCallsWork();
        assertAtMostOneLine();
    }

    @Test
    void anExpiredDeadlineIsAnsweredDeadlineExceededNotReset() throws Exception {
        CompletableFuture<RangeResponse> late = new CompletableFuture<>();
        fake.hold(late);
        try (RawHttp2Client raw = new RawHttp2Client(port)) {
            raw.unary(1, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range").add("grpc-timeout", "200m"), range());
            RawHttp2Client.StreamEnd end = raw.awaitEnd(1);
            assertThat(end.resetCode()).as("no RST_STREAM").isEqualTo(-1);
            assertThat(end.grpcStatus()).isEqualTo(String.valueOf(Status.Code.DEADLINE_EXCEEDED.value()));
            assertThat(end.grpcMessage()).isEqualTo("context deadline exceeded");
            // the server's answer after the deadline goes nowhere, and the connection still serves
            late.complete(RangeResponse.getDefaultInstance());
            fake.hold(null);
            raw.unary(3, RawHttp2Client.requestHeaders("/etcdserverpb.KV/Range"), range());
            assertThat(raw.awaitEnd(3).grpcStatus()).isEqualTo("0");
        }
        assertThat(log.lines()).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void assertOtherCallsWork() {
        assertThat(KVGrpc.newBlockingStub(channel).put(put("after")).getHeader().getMemberId())
                .isEqualTo(FakeEtcdServer.MEMBER_ID);
    }

    private void assertAtMostOneLine() {
        assertThat(log.julRecords).as("grpc-java's own records: %s", log.lines()).isEmpty();
        assertThat(log.badInputLines).as("bad input lines").hasSizeLessThanOrEqualTo(1);
        assertThat(log.badInputLines).allSatisfy(line -> assertThat(line).doesNotContain("\n"));
    }

    /** Writes {@code bytes} and asserts the server closes the connection within 5 s. */
    private void assertClosedByServer(byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                while (in.read(buffer) >= 0) {
                    // a GOAWAY, then EOF
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the server kept the connection open for 5 s", e);
            } catch (IOException reset) {
                // closed with a reset: as good as EOF
            }
        }
        // the log line is written as the connection ends; the next connection's call is after that
        assertOtherCallsWork();
    }

    private PutResponse rawPut(byte[] body) {
        MethodDescriptor<byte[], PutResponse> method = KVGrpc.getPutMethod().toBuilder(BYTES,
                KVGrpc.getPutMethod().getResponseMarshaller()).build();
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, body);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException();
        }
    };

    private static TxnRequest nested(int depth) {
        TxnRequest txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")))).build();
        for (int i = 1; i < depth; i++) {
            txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(txn)).build();
        }
        return txn;
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
    }

    private static byte[] range() {
        return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build().toByteArray();
    }

    private static Status statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }
}
