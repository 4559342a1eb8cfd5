package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ketcd.grpc.internal.stub.WatchGrpc;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.testing.Await;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch client that stops reading (gRPC flow control: it asks for no more messages, so the
 * member's sends back up) while writers write megabytes to its key: writes go on being
 * acknowledged, another watcher of the key sees every event as it happens, and when the slow
 * client reads again it gets every event once, in order.
 */
class SlowWatcherTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int WRITES = 2_000;
    private static final String VALUE = "v".repeat(1024);

    @TempDir
    Path dir;
    private EmbeddedCluster cluster;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        cluster.close();
    }

    /** A watch stream that asks gRPC for one message at a time, only when told. */
    private static final class SlowClient implements ClientResponseObserver<WatchRequest, WatchResponse> {
        final List<WatchResponse> received = new CopyOnWriteArrayList<>();
        final AtomicInteger events = new AtomicInteger();
        volatile ClientCallStreamObserver<WatchRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            call = requestStream;
            requestStream.disableAutoRequestWithInitial(1); // the created response, then nothing
        }

        @Override
        public void onNext(WatchResponse value) {
            received.add(value);
            events.addAndGet(value.getEventsCount());
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void aClientThatStopsReadingHoldsUpNeitherWritersNorOtherWatchersAndMissesNothing() throws Exception {
        cluster = new EmbeddedCluster(dir);
        cluster.startNew(List.of("m1"), Map.of());
        EmbeddedEtcd member = cluster.etcd("m1");
        int port = ((InetSocketAddress) member.grpcAddresses().get(0)).getPort();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        SlowClient slow = new SlowClient();
        WatchGrpc.newStub(channel).watch(slow).onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("slow"))).build());
        Await.until("the slow watch was created", BOUND, () -> slow.received.size() == 1);

        Client client = cluster.peers.client(member);
        AtomicInteger seenByOther = new AtomicInteger();
        // from the next revision on, not from whenever jetcd's asynchronous create lands: on a
        // loaded machine the create could come after the first puts, and their events never
        long next = client.getKVClient().get(bs("slow")).get(10, TimeUnit.SECONDS).getHeader().getRevision() + 1;
        client.getWatchClient().watch(bs("slow"), WatchOption.builder().withRevision(next).build(),
                r -> seenByOther.addAndGet(r.getEvents().size()));
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < WRITES; i++) {
            revisions.add(client.getKVClient().put(bs("slow"), bs(VALUE)).get(10, TimeUnit.SECONDS).getHeader()
                    .getRevision());
        }
        Await.until("the other watcher saw every write", BOUND, () -> seenByOther.get() == WRITES,
                () -> "the other watcher saw " + seenByOther.get() + " of " + WRITES + " events");
        assertThat(slow.events.get()).as("events the slow client took while not reading").isZero();

        slow.call.request(Integer.MAX_VALUE);
        Await.until("the slow client got every event", BOUND, () -> slow.events.get() >= WRITES);
        List<Long> got = slow.received.stream().flatMap(r -> r.getEventsList().stream())
                .map(Event::getKv).map(kv -> kv.getModRevision()).toList();
        assertThat(got).isEqualTo(revisions);
    }
}
