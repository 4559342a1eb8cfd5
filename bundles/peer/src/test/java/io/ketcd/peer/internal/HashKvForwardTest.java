package io.ketcd.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** etcd's {@code GET /members/hashkv} on the peer port: the asking member's client, and the answers as etcd writes them. */
class HashKvForwardTest {
    private static final long ASKED = 0xa, ASKING = 0xb;

    private final List<PeerTransportImpl> started = new ArrayList<>();
    private RecordingReceiver askedReceiver;
    private PeerTransportImpl asked;
    private PeerTransportImpl asking;
    private final HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        askedReceiver = new RecordingReceiver(ASKED, ASKING);
        asked = start(ASKED, askedReceiver);
        asking = start(ASKING, new RecordingReceiver(ASKED, ASKING));
        asking.addPeer(ASKED, List.of(TestSupport.url(asked)));
    }

    @AfterEach
    void stop() {
        started.forEach(PeerTransportImpl::close);
    }

    private PeerTransportImpl start(long id, RecordingReceiver receiver) throws IOException {
        PeerTransportImpl t = PeerTransportImpl.start(TestSupport.config(id), receiver, List.of(TestSupport.listener()),
                TestSupport.FAST, id);
        started.add(t);
        return t;
    }

    private HttpResponse<String> get(String body, String clusterId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestSupport.url(asked).resolve(HashKvForward.PATH))
                .timeout(Duration.ofSeconds(10)).method("GET", HttpRequest.BodyPublishers.ofString(body));
        if (clusterId != null) {
            b.header(PeerHeaders.CLUSTER_ID, clusterId);
        }
        return raw.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPeerAnswersItsHashAtTheRevisionAsked() throws Exception {
        askedReceiver.hashKv = r -> CompletableFuture.completedFuture(HashKVResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(r.getRevision() + 3)).setHash(0xfedcba98)
                .setCompactRevision(4).build());
        HashKVResponse r = asking.hashKV(ASKED, HashKVRequest.newBuilder().setRevision(17).build()).get(10, TimeUnit.SECONDS);
        assertThat(r.getHeader().getMemberId()).isEqualTo(ASKED);
        assertThat(r.getHeader().getRevision()).isEqualTo(20);
        assertThat(r.getHash()).isEqualTo(0xfedcba98);
        assertThat(r.getCompactRevision()).isEqualTo(4);

        HttpResponse<String> json = get("{\"revision\":17}", Ids.hex(TestSupport.config(ASKED).clusterId()));
        assertThat(json.statusCode()).isEqualTo(200);
        // Go's encoding/json of the response: a uint32 hash as an unsigned number
        assertThat(json.body()).isEqualTo("{\"header\":{\"revision\":20},\"hash\":" + Integer.toUnsignedString(0xfedcba98)
                + ",\"compact_revision\":4}");
    }

    @Test
    void errorsAreEtcdsStatusesAndTexts() throws Exception {
        askedReceiver.hashKv = r -> CompletableFuture.failedFuture(EtcdError.COMPACTED.exception());
        try {
            asking.hashKV(ASKED, HashKVRequest.newBuilder().setRevision(2).build()).get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(((EtcdException) LeaderForwarding.unwrap(e)).error()).isEqualTo(EtcdError.COMPACTED);
        }
        String cluster = Ids.hex(TestSupport.config(ASKED).clusterId());
        HttpResponse<String> compacted = get("{\"revision\":2}", cluster);
        assertThat(compacted.statusCode()).isEqualTo(400);
        assertThat(compacted.body()).isEqualTo(EtcdError.COMPACTED.message() + "\n");
        assertThat(get("{\"revision\":2}", "123").statusCode()).isEqualTo(412);
        assertThat(get("{\"revision\":2}", "123").body()).isEqualTo("clusterID mismatch\n");
        assertThat(get("not json", cluster).statusCode()).isEqualTo(400);
        assertThat(asking.hashKV(0x77, HashKVRequest.getDefaultInstance()).isCompletedExceptionally()).isTrue();
    }
}
