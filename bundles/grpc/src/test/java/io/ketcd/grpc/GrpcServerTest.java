package io.ketcd.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ketcd.api.EtcdError;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.grpc.internal.stub.KVGrpc;
import io.ketcd.grpc.internal.stub.ElectionGrpc;
import io.ketcd.grpc.internal.stub.LockGrpc;
import io.ketcd.grpc.internal.stub.MaintenanceGrpc;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.SnapshotRequest;
import io.ketcd.proto.etcdserverpb.SnapshotResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;
import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.testing.Await;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GrpcServer on 127.0.0.1 with a free port, over {@link FakeEtcdServer}, driven by jetcd and by
 * raw stubs (which show the exact gRPC status a client receives).
 */
class GrpcServerTest {
    /** Small, so that the inbound limit (this plus etcd's 512 KiB overhead) is quick to exceed. */
    private static final int MAX_REQUEST_BYTES = 1024;
    private static final int INBOUND_LIMIT = MAX_REQUEST_BYTES + GrpcServer.GRPC_OVERHEAD_BYTES;

    private static FakeEtcdServer fake;
    private static GrpcServer grpc;
    private static int port;
    private static Client jetcd;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        fake = new FakeEtcdServer(Map.of(
                "listen-client-urls", "http://127.0.0.1:0",
                "max-request-bytes", String.valueOf(MAX_REQUEST_BYTES)));
        grpc = TestListeners.start(fake);
        port = TestListeners.port(grpc);
        jetcd = Client.builder().endpoints("http://127.0.0.1:" + port).build();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        jetcd.close();
        channel.shutdownNow().awaitTermination(5, SECONDS);
        grpc.close();
    }

    @BeforeEach
    void reset() {
        fake.failWith(null);
        fake.throwWith(null);
        fake.requests.clear();
    }

    // --- (a) round trips -------------------------------------------------------------------

    @Test
    void putGetTxnDeleteReachTheServerAndReturnItsHeaders() throws Exception {
        KV kv = jetcd.getKVClient();

        PutResponse put = kv.put(bytes("rt/foo"), bytes("bar")).get(10, SECONDS);
        assertThat(fake.requests.take()).isEqualTo(PutRequest.newBuilder()
                .setKey(utf8("rt/foo")).setValue(utf8("bar")).build());
        long putRevision = put.getHeader().getRevision();
        assertHeader(put.getHeader(), putRevision);

        GetResponse get = kv.get(bytes("rt/foo")).get(10, SECONDS);
        RangeRequest range = (RangeRequest) fake.requests.take();
        assertThat(range.getKey()).isEqualTo(utf8("rt/foo"));
        assertThat(range.getRangeEnd()).isEmpty();
        assertThat(range.getSerializable()).isFalse();
        assertHeader(get.getHeader(), putRevision);
        assertThat(get.getKvs()).singleElement().satisfies(k -> {
            assertThat(k.getKey()).isEqualTo(bytes("rt/foo"));
            assertThat(k.getValue()).isEqualTo(bytes("bar"));
            assertThat(k.getModRevision()).isEqualTo(putRevision);
            assertThat(k.getVersion()).isEqualTo(1);
        });

        TxnResponse txn = kv.txn()
                .If(new Cmp(bytes("rt/foo"), Cmp.Op.EQUAL, CmpTarget.value(bytes("bar"))))
                .Then(Op.put(bytes("rt/baz"), bytes("qux"), PutOption.DEFAULT))
                .Else(Op.get(bytes("rt/foo"), GetOption.DEFAULT))
                .commit().get(10, SECONDS);
        TxnRequest txnRequest = (TxnRequest) fake.requests.take();
        assertThat(txnRequest.getCompareList()).containsExactly(Compare.newBuilder()
                .setKey(utf8("rt/foo")).setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.EQUAL).setValue(utf8("bar")).build());
        assertThat(txnRequest.getSuccessList()).containsExactly(RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(utf8("rt/baz")).setValue(utf8("qux"))).build());
        assertThat(txnRequest.getFailureList()).singleElement()
                .satisfies(op -> assertThat(op.getRequestRange().getKey()).isEqualTo(utf8("rt/foo")));
        assertThat(txn.isSucceeded()).isTrue();
        assertThat(txn.getPutResponses()).hasSize(1);
        assertHeader(txn.getHeader(), putRevision + 1);

        DeleteResponse delete = kv.delete(bytes("rt/foo")).get(10, SECONDS);
        assertThat(fake.requests.take()).isEqualTo(DeleteRangeRequest.newBuilder().setKey(utf8("rt/foo")).build());
        assertThat(delete.getDeleted()).isEqualTo(1);
        assertHeader(delete.getHeader(), putRevision + 2);
    }

    @Test
    void compactStatusAndMemberListReachTheServer() throws Exception {
        var compact = jetcd.getKVClient().compact(1).get(10, SECONDS);
        assertThat(fake.requests.take()).isEqualTo(CompactionRequest.newBuilder().setRevision(1).build());
        assertThat(compact.getHeader().getClusterId()).isEqualTo(FakeEtcdServer.CLUSTER_ID);

        var status = jetcd.getMaintenanceClient().statusMember("http://127.0.0.1:" + port).get(10, SECONDS);
        assertThat(fake.requests.take()).isEqualTo("status");
        assertThat(status.getVersion()).isEqualTo(FakeEtcdServer.VERSION);
        assertThat(status.getLeader()).isEqualTo(FakeEtcdServer.MEMBER_ID);
        assertThat(status.getRaftTerm()).isEqualTo(FakeEtcdServer.RAFT_TERM);
        assertThat(status.getHeader().getMemberId()).isEqualTo(FakeEtcdServer.MEMBER_ID);

        var members = jetcd.getClusterClient().listMember().get(10, SECONDS);
        assertThat(fake.requests.take()).isEqualTo("memberList");
        assertThat(members.getMembers()).singleElement().satisfies(m -> {
            assertThat(m.getId()).isEqualTo(FakeEtcdServer.MEMBER_ID);
            assertThat(m.getName()).isEqualTo("fake");
        });
    }

    // --- (b) errors --------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(EtcdError.class)
    void everyEtcdErrorReachesJetcdWithItsCodeAndMessage(EtcdError error) {
        fake.failWith(error.exception());
        // a put: jetcd retries nothing of it but an invalid auth token, so the first answer shows;
        // jetcd 0.8.7 hands the StatusRuntimeException through
        Status status = jetcdStatusOf(jetcd.getKVClient().put(bytes("e"), bytes("v")));
        assertThat(status.getCode().name()).isEqualTo(error.code().name());
        assertThat(status.getDescription()).isEqualTo(error.message());
    }

    @ParameterizedTest
    @EnumSource(EtcdError.class)
    void everyEtcdErrorReachesARawStubWithItsCodeAndMessage(EtcdError error) {
        fake.failWith(error.exception());
        assertThat(statusOf(() -> KVGrpc.newBlockingStub(channel).range(range("e"))))
                .satisfies(s -> {
                    assertThat(s.getCode().value()).isEqualTo(error.code().value());
                    assertThat(s.getDescription()).isEqualTo(error.message());
                });
    }

    @Test
    void anErrorWrappedByTheFutureMachineryIsUnwrapped() {
        fake.failWith(new CompletionException(EtcdError.COMPACTED.exception()));
        Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).range(range("e")));
        assertThat(status.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
    }

    @Test
    void anErrorThrownInsteadOfReturnedIsAnsweredTheSameWay() {
        fake.throwWith(EtcdError.NO_LEADER.exception());
        Status status = statusOf(() -> KVGrpc.newBlockingStub(channel).put(put("k", 1)));
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("etcdserver: no leader");
    }

    @Test
    void anyOtherFailureIsInternalWithItsMessage() {
        fake.failWith(new IllegalStateException("apply loop fell over"));
        Status failed = statusOf(() -> KVGrpc.newBlockingStub(channel).range(range("e")));
        assertThat(failed.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failed.getDescription()).isEqualTo("apply loop fell over");

        fake.failWith(null);
        fake.throwWith(new NullPointerException());
        Status thrown = statusOf(() -> MaintenanceGrpc.newBlockingStub(channel)
                .status(io.ketcd.proto.etcdserverpb.StatusRequest.getDefaultInstance()));
        assertThat(thrown.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(thrown.getDescription()).isEqualTo("java.lang.NullPointerException");
    }

    // --- methods ketcd does not implement yet -------------------------------------------------

    @Test
    void unimplementedMethodsSayWhatIsMissing() {
        assertUnsupported(statusOf(() -> io.ketcd.grpc.internal.stub.AuthGrpc.newBlockingStub(channel)
                .authEnable(io.ketcd.proto.etcdserverpb.AuthEnableRequest.getDefaultInstance())),
                "etcdserverpb.Auth/AuthEnable");
        assertThat(fake.requests).isEmpty();
    }

    // --- Maintenance/Snapshot: the backup in etcd's 32 KiB messages -------------------------

    @Test
    void aSnapshotComesInChunksOfAtMost32KiBEachSayingWhatIsLeft() {
        fake.snapshotBytes = 100_000;
        java.util.Iterator<SnapshotResponse> chunks = MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS)
                .snapshot(SnapshotRequest.getDefaultInstance());
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        long lastRemaining = Long.MAX_VALUE;
        int messages = 0;
        while (chunks.hasNext()) {
            SnapshotResponse r = chunks.next();
            assertThat(r.getBlob().size()).isBetween(1, 32 * 1024);
            received.writeBytes(r.getBlob().toByteArray());
            assertThat(r.getRemainingBytes()).isEqualTo(100_000 - received.size()).isLessThan(lastRemaining);
            lastRemaining = r.getRemainingBytes();
            messages++;
        }
        assertThat(messages).isEqualTo(4);
        byte[] bytes = received.toByteArray();
        assertThat(bytes).hasSize(100_000);
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & 0xff) != i % 251) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
    }

    // --- Lock and Election: calls that wait as long as the client does ------------------------

    @Test
    void aLockRequestTheClientGivesUpOnIsCancelledAtTheService() {
        CompletableFuture<LockResponse> pending = new CompletableFuture<>();
        fake.hold(pending);
        try {
            Status status = statusOf(() -> LockGrpc.newBlockingStub(channel).withDeadlineAfter(300, MILLISECONDS)
                    .lock(LockRequest.newBuilder().setName(utf8("l")).build()));
            assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            Await.until("the lock service's future to be cancelled", pending::isCancelled);
        } finally {
            fake.hold(null);
        }
        assertThat(LockGrpc.newBlockingStub(channel).lock(LockRequest.newBuilder().setName(utf8("l")).build()).getKey())
                .isEqualTo(utf8("l"));
    }

    @Test
    void anObservationSendsEveryLeaderEndsWhenTheServiceEndsItAndClosesWhenTheClientCancels() throws Exception {
        LeaderRequest request = LeaderRequest.newBuilder().setName(utf8("e")).build();
        int closedAtStart = fake.closedObservations.get();
        java.util.Iterator<LeaderResponse> received = ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS)
                .observe(request);
        LeaderObserver observer = fake.observers.poll(10, SECONDS);
        assertThat(observer).isNotNull();
        LeaderResponse first = LeaderResponse.newBuilder().setKv(KeyValue.newBuilder().setKey(utf8("e/1"))).build();
        LeaderResponse second = LeaderResponse.newBuilder().setKv(KeyValue.newBuilder().setKey(utf8("e/2"))).build();
        observer.leader(first);
        observer.leader(second);
        assertThat(received.next()).isEqualTo(first);
        assertThat(received.next()).isEqualTo(second);
        observer.end();
        assertThat(received.hasNext()).isFalse();
        // the ended call's close handler closes the service's observation after the client saw the end
        Await.until("the ended observation to be closed", () -> fake.closedObservations.get() == closedAtStart + 1);

        Context.CancellableContext call = Context.current().withCancellation();
        call.run(() -> ElectionGrpc.newStub(channel).observe(request, new StreamObserver<>() {
            @Override
            public void onNext(LeaderResponse value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        }));
        assertThat(fake.observers.poll(10, SECONDS)).isNotNull();
        call.cancel(null);
        Await.until("the cancelled observation to be closed", () -> fake.closedObservations.get() == closedAtStart + 2);
    }

    // --- (c) message size ---------------------------------------------------------------------

    @Test
    void aRequestUpToTheLimitArrivesAndALargerOneIsRefusedWithResourceExhausted() throws Exception {
        PutRequest fits = put("big", INBOUND_LIMIT - 64);
        assertThat(fits.getSerializedSize()).isLessThanOrEqualTo(INBOUND_LIMIT);
        KVGrpc.newBlockingStub(channel).put(fits);
        assertThat(((PutRequest) fake.requests.take()).getValue().size()).isEqualTo(INBOUND_LIMIT - 64);

        PutRequest tooLarge = put("big", INBOUND_LIMIT + 1);
        Status refused = statusOf(() -> KVGrpc.newBlockingStub(channel).put(tooLarge));
        assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(fake.requests).isEmpty();

        assertThat(jetcd.getKVClient().put(bytes("after"), bytes("big")).get(10, SECONDS).getHeader().getMemberId())
                .isEqualTo(FakeEtcdServer.MEMBER_ID);
    }

    // --- (d) garbage on the port --------------------------------------------------------------

    @Test
    void garbageOnThePortDoesNotHurtTheServer() throws Exception {
        byte[] noise = new byte[64 * 1024];
        new Random(20261121L).nextBytes(noise);
        assertThat(sendAndAwaitClose(noise)).as("random bytes: the server hangs up").isTrue();
        assertThat(sendAndAwaitClose("GET /v3/kv/range HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8)))
                .as("HTTP/1.1 request: the server hangs up").isTrue();
        // a truncated HTTP/2 preface: the server waits for the rest; the client gives up
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r".getBytes(UTF_8));
            s.getOutputStream().flush();
        }
        // an empty connection
        new Socket("127.0.0.1", port).close();

        assertThat(jetcd.getKVClient().put(bytes("after-garbage"), bytes("ok")).get(10, SECONDS)
                .getHeader().getClusterId()).isEqualTo(FakeEtcdServer.CLUSTER_ID);
    }

    /** Writes {@code bytes} and reads until the server closes the connection (true) or 10 s pass. */
    private static boolean sendAndAwaitClose(byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException closedWhileWriting) {
                return true;
            }
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                while (in.read(buffer) >= 0) {
                    // the server's GOAWAY or error page, then EOF
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
    }

    // --- lifecycle -------------------------------------------------------------------------------

    @Test
    void everyListenUrlIsServedAndCloseReleasesThem() throws Exception {
        FakeEtcdServer two = new FakeEtcdServer(Map.of(
                "listen-client-urls", "http://127.0.0.1:0,http://localhost:0"));
        List<InetSocketAddress> bound;
        try (GrpcServer server = TestListeners.start(two)) {
            bound = server.boundAddresses().stream().map(InetSocketAddress.class::cast).toList();
            assertThat(bound).hasSize(2);
            assertThat(bound.get(0).getPort()).isNotEqualTo(bound.get(1).getPort());
            for (InetSocketAddress a : bound) {
                ManagedChannel c = NettyChannelBuilder.forAddress(a).usePlaintext().build();
                try {
                    assertThat(KVGrpc.newBlockingStub(c).put(put("k", 1)).getHeader().getMemberId())
                            .isEqualTo(FakeEtcdServer.MEMBER_ID);
                } finally {
                    c.shutdownNow().awaitTermination(5, SECONDS);
                }
            }
            server.close();
            server.close();
        }
        for (InetSocketAddress a : bound) {
            try (ServerSocket again = new ServerSocket(a.getPort(), 1, a.getAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(a.getPort());
            }
        }
    }

    @Test
    void theListenersSocketIsServedNotABindOfItsOwn() throws Exception {
        FakeEtcdServer fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0"));
        List<Listener> listeners = TestListeners.factory(TlsPolicy.disabled(TlsRole.CLIENT))
                .open(ListenerRole.CLIENT, fake.settings().listenClientUrls());
        try (GrpcServer server = GrpcServer.start(ClientServices.of(fake, fake, fake), fake.settings().maxRequestBytes(), listeners)) {
            assertThat(server.boundAddresses()).containsExactly(listeners.get(0).localAddress());
            ManagedChannel c = NettyChannelBuilder.forAddress(listeners.get(0).localAddress()).usePlaintext().build();
            try {
                assertThat(KVGrpc.newBlockingStub(c).put(put("k", 1)).getHeader().getMemberId())
                        .isEqualTo(FakeEtcdServer.MEMBER_ID);
            } finally {
                c.shutdownNow().awaitTermination(5, SECONDS);
            }
        }
        assertThat(listeners.get(0).channel().isOpen()).as("closed with the server").isFalse();
    }

    @Test
    void aListenerThatCannotBeServedClosesEveryListenerItWasGiven() throws Exception {
        FakeEtcdServer fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0,http://127.0.0.1:0"));
        List<Listener> listeners = TestListeners.factory(TlsPolicy.disabled(TlsRole.CLIENT))
                .open(ListenerRole.CLIENT, fake.settings().listenClientUrls());
        InetSocketAddress first = (InetSocketAddress) listeners.get(0).localAddress();
        listeners.get(1).close(); // a socket that can no longer be served

        assertThatThrownBy(() -> GrpcServer.start(ClientServices.of(fake, fake, fake), fake.settings().maxRequestBytes(), listeners)).isInstanceOf(IOException.class);

        assertThat(listeners.get(0).channel().isOpen()).isFalse();
        try (ServerSocket again = new ServerSocket(first.getPort(), 1, first.getAddress())) {
            assertThat(again.getLocalPort()).as("the first listener's port is free again").isEqualTo(first.getPort());
        }
    }

    @Test
    void closeCancelsCallsInFlightAndALateAnswerDoesNotReachTheServersThread() throws Exception {
        FakeEtcdServer slow = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0"));
        CompletableFuture<io.ketcd.proto.etcdserverpb.PutResponse> held = new CompletableFuture<>();
        slow.hold(held);
        GrpcServer server = TestListeners.start(slow);
        ManagedChannel c = NettyChannelBuilder.forAddress(server.boundAddresses().get(0)).usePlaintext().build();
        try {
            var call = KVGrpc.newFutureStub(c).put(put("k", 1));
            assertThat(slow.requests.poll(10, SECONDS)).isInstanceOf(PutRequest.class);

            server.close(Duration.ZERO);
            // the server completes its future after the call and the executor are gone: nothing may
            // be thrown at the completing thread (CompletableFuture turns the executor's rejection
            // into an exceptional dependent future)
            assertThat(held.complete(io.ketcd.proto.etcdserverpb.PutResponse.getDefaultInstance())).isTrue();

            assertThatThrownBy(() -> call.get(10, SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                            .isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE));
        } finally {
            c.shutdownNow().awaitTermination(5, SECONDS);
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    private static void assertHeader(Response.Header header, long revision) {
        assertThat(header.getClusterId()).isEqualTo(FakeEtcdServer.CLUSTER_ID);
        assertThat(header.getMemberId()).isEqualTo(FakeEtcdServer.MEMBER_ID);
        assertThat(header.getRevision()).isEqualTo(revision);
        assertThat(header.getRaftTerm()).isEqualTo(FakeEtcdServer.RAFT_TERM);
    }

    private static void assertUnsupported(Status status, String method) {
        assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(status.getDescription()).isEqualTo("etcdserver: " + method + " is not supported in ketcd yet");
    }

    private static Status statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }

    private static Status jetcdStatusOf(CompletableFuture<?> call) {
        try {
            call.get(10, SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
            return Status.fromThrowable(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the call succeeded");
    }

    private static RangeRequest range(String key) {
        return RangeRequest.newBuilder().setKey(utf8(key)).build();
    }

    private static PutRequest put(String key, int valueBytes) {
        return PutRequest.newBuilder().setKey(utf8(key)).setValue(ByteString.copyFrom(new byte[valueBytes])).build();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }
}
