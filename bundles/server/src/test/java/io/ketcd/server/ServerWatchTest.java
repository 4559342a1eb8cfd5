package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.WatchCancelRequest;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchProgressRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Watch semantics on one member, through its {@link io.ketcd.api.service.WatchService}
 * facet as a transport uses it: responses and their order, headers, history, ranges, filters,
 * previous key-values, cancel, progress, compaction, fragments, a client that stops reading,
 * and the end of the stream when the member stops. Expected answers are etcd 3.4.23's.
 */
class ServerWatchTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    @TempDir
    Path dir;
    private KetcdServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private KetcdServer start(Map<String, String> extra) throws Exception {
        Map<String, String> cfg = new HashMap<>(Map.of("data-dir", dir.resolve("m").toString()));
        cfg.putAll(extra);
        server = KetcdServer.start(ServerConfig.from(cfg, Map.of()), RawNode::new, new InMemoryNetwork().peerNetwork());
        return server;
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private long put(String k, String v) throws Exception {
        PutResponse r = await(server.put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build()));
        return r.getHeader().getRevision();
    }

    private long delete(String k) throws Exception {
        return await(server.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(k)).build())).getHeader().getRevision();
    }

    private static WatchRequest create(WatchCreateRequest.Builder c) {
        return WatchRequest.newBuilder().setCreateRequest(c).build();
    }

    private static WatchCreateRequest.Builder watch(String key) {
        return WatchCreateRequest.newBuilder().setKey(b(key));
    }

    private RecordingWatchClient client() {
        return new RecordingWatchClient().open(server);
    }

    private static List<String> describe(List<Event> events) {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            out.add(e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision()
                    + (e.getType() == Event.EventType.PUT ? "=" + e.getKv().getValue().toStringUtf8() : "")
                    + (e.hasPrevKv() ? " prev=" + e.getPrevKv().getValue().toStringUtf8() : ""));
        }
        return out;
    }

    /** The events of the next responses until {@code count} events came. */
    private static List<Event> events(RecordingWatchClient c, int count) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        while (out.size() < count) {
            WatchResponse r = c.next(BOUND);
            assertThat(r.getCreated() || r.getCanceled()).as("a control response among events: " + r).isFalse();
            out.addAll(r.getEventsList());
        }
        return out;
    }

    @Test
    void theCreatedResponseComesFirstThenLiveEventsWithTheMembersHeader() throws Exception {
        start(Map.of());
        long before = put("k", "0");
        RecordingWatchClient c = client();
        c.request(create(watch("k")));
        WatchResponse created = c.next(BOUND);
        assertThat(created.getCreated()).isTrue();
        assertThat(created.getWatchId()).isZero();
        assertThat(created.getHeader().getRevision()).isEqualTo(before);
        assertThat(created.getHeader().getMemberId()).isEqualTo(server.memberId());
        assertThat(created.getHeader().getClusterId()).isEqualTo(server.clusterId());
        assertThat(created.getHeader().getRaftTerm()).isPositive();

        long rev = put("k", "1");
        put("other", "x");
        WatchResponse r = c.next(BOUND);
        assertThat(r.getWatchId()).isZero();
        assertThat(r.getHeader().getRevision()).isEqualTo(rev);
        assertThat(describe(r.getEventsList())).containsExactly("PUT k@" + rev + "=1");
        assertThat(r.getEvents(0).getKv().getVersion()).isEqualTo(2);
        assertThat(c.poll(Duration.ofMillis(200))).as("nothing for another key").isNull();
    }

    @Test
    void aPastStartRevisionReplaysTheHistoryThenGoesLiveWithoutGapOrRepeat() throws Exception {
        start(Map.of());
        long first = put("a", "1");
        put("b", "x");
        put("a", "2");
        delete("a");
        RecordingWatchClient c = client();
        c.request(create(watch("a").setStartRevision(first)));
        assertThat(c.next(BOUND).getCreated()).isTrue();
        List<Event> history = events(c, 3);
        long live = put("a", "3");
        history.addAll(events(c, 1));
        assertThat(describe(history)).containsExactly("PUT a@" + first + "=1", "PUT a@" + (first + 2) + "=2",
                "DELETE a@" + (first + 3), "PUT a@" + live + "=3");
    }

    @Test
    void rangesPrefixesFromKeyAndFiltersChooseTheEvents() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("p/").setRangeEnd(b("p0"))));            // prefix p/
        c.request(create(watch("m").setRangeEnd(ZERO)));                 // from m on
        c.request(create(watch("p/").setRangeEnd(b("p0")).addFilters(WatchCreateRequest.FilterType.NOPUT)));
        c.request(create(watch("").setRangeEnd(ZERO).addFilters(WatchCreateRequest.FilterType.NODELETE)));
        for (int id = 0; id < 4; id++) {
            WatchResponse created = c.next(BOUND);
            assertThat(created.getCreated()).isTrue();
            assertThat(created.getWatchId()).isEqualTo(id);
        }
        long r1 = put("p/1", "v");
        long r2 = put("a", "v");
        long r3 = delete("p/1");
        Map<Long, List<String>> byWatcher = new HashMap<>();
        int expected = 2 + 2 + 1 + 2;
        int seen = 0;
        while (seen < expected) {
            WatchResponse r = c.next(BOUND);
            byWatcher.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).addAll(describe(r.getEventsList()));
            seen += r.getEventsCount();
        }
        assertThat(byWatcher.get(0L)).containsExactly("PUT p/1@" + r1 + "=v", "DELETE p/1@" + r3);
        assertThat(byWatcher.get(1L)).containsExactly("PUT p/1@" + r1 + "=v", "DELETE p/1@" + r3);
        assertThat(byWatcher.get(2L)).containsExactly("DELETE p/1@" + r3);
        assertThat(byWatcher.get(3L)).containsExactly("PUT p/1@" + r1 + "=v", "PUT a@" + r2 + "=v");
    }

    @Test
    void prevKvCarriesTheValueBeforeAnOverwriteOrADeleteButNotBeforeACreation() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("k").setPrevKv(true)));
        c.next(BOUND);
        long created = put("k", "1");
        long updated = put("k", "2");
        long deleted = delete("k");
        assertThat(describe(events(c, 3))).containsExactly("PUT k@" + created + "=1", "PUT k@" + updated + "=2 prev=1",
                "DELETE k@" + deleted + " prev=2");
    }

    @Test
    void eventsOfOneTxnComeInOneResponseInTheirOrder() throws Exception {
        start(Map.of());
        put("t/b", "old");
        RecordingWatchClient c = client();
        c.request(create(watch("t/").setRangeEnd(b("t0"))));
        c.next(BOUND);
        long rev = await(server.txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("t/c")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(b("t/b"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("t/a")).setValue(b("2"))))
                .build())).getHeader().getRevision();
        WatchResponse r = c.next(BOUND);
        assertThat(describe(r.getEventsList())).containsExactly("PUT t/c@" + rev + "=1", "DELETE t/b@" + rev,
                "PUT t/a@" + rev + "=2");
    }

    @Test
    void aStartRevisionAtOrBelowTheCompactionIsAnsweredWithItAndCancelled() throws Exception {
        start(Map.of());
        put("k", "1");
        put("k", "2");
        long compactAt = put("k", "3");
        put("k", "4");
        await(server.compact(CompactionRequest.newBuilder().setRevision(compactAt).build()));
        for (long start : new long[] {compactAt - 1, compactAt}) {
            RecordingWatchClient c = client();
            c.request(create(watch("k").setStartRevision(start)));
            WatchResponse created = c.next(BOUND);
            assertThat(created.getCreated()).isTrue();
            WatchResponse compacted = c.next(BOUND);
            assertThat(compacted.getWatchId()).isEqualTo(created.getWatchId());
            assertThat(compacted.getCompactRevision()).as("from %d", start).isEqualTo(compactAt);
            assertThat(compacted.getCanceled()).isTrue();
            assertThat(compacted.getEventsCount()).isZero();
        }
        RecordingWatchClient after = client();
        after.request(create(watch("k").setStartRevision(compactAt + 1)));
        after.next(BOUND);
        assertThat(describe(events(after, 1))).containsExactly("PUT k@" + (compactAt + 1) + "=4");
    }

    @Test
    void refusedWatchesAreCreatedAndCancelledWithEtcdsReason() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("a").setWatchId(5)));
        c.request(create(watch("b").setWatchId(5)));
        c.request(create(watch("z").setRangeEnd(b("a"))));
        assertThat(c.next(BOUND).getWatchId()).isEqualTo(5);
        WatchResponse duplicate = c.next(BOUND);
        assertThat(duplicate.getCreated()).isTrue();
        assertThat(duplicate.getCanceled()).isTrue();
        assertThat(duplicate.getWatchId()).isEqualTo(-1);
        assertThat(duplicate.getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
        WatchResponse empty = c.next(BOUND);
        assertThat(empty.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
        assertThat(empty.getWatchId()).isEqualTo(-1);
        // an automatic id skips the one the client took
        c.request(create(watch("c")));
        assertThat(c.next(BOUND).getWatchId()).isZero();
    }

    @Test
    void cancelEndsTheWatcherAndAProgressRequestIsAnsweredForTheStream() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("k")));
        c.next(BOUND);
        c.request(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
        WatchResponse cancelled = c.next(BOUND);
        assertThat(cancelled.getCanceled()).isTrue();
        assertThat(cancelled.getWatchId()).isZero();
        assertThat(cancelled.getCreated()).isFalse();
        long rev = put("k", "after");
        // an unknown id gets no answer, as in etcd; the progress answer is the next response
        c.request(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(42)).build());
        c.request(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        WatchResponse progress = c.next(BOUND);
        assertThat(progress.getWatchId()).isEqualTo(-1);
        assertThat(progress.getEventsCount()).isZero();
        assertThat(progress.getHeader().getRevision()).isEqualTo(rev);
    }

    @Test
    void anIdleWatcherThatAskedForProgressGetsNoticesAtTheInterval() throws Exception {
        start(Map.of("experimental-watch-progress-notify-interval", "200ms"));
        RecordingWatchClient c = client();
        c.request(create(watch("quiet").setProgressNotify(true)));
        c.request(create(watch("quiet2")));
        c.next(BOUND);
        c.next(BOUND);
        long rev = put("elsewhere", "x");
        WatchResponse notice = c.next(BOUND);
        assertThat(notice.getWatchId()).isZero();
        assertThat(notice.getEventsCount()).isZero();
        assertThat(notice.getCreated() || notice.getCanceled()).isFalse();
        assertThat(notice.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
    }

    @Test
    void aLargeResponseIsSplitOnlyForAWatcherThatAskedForFragments() throws Exception {
        int maxRequest = 64 * 1024;
        start(Map.of("max-request-bytes", String.valueOf(maxRequest)));
        String big = "x".repeat(60 * 1024);
        long first = put("f", big);
        for (int i = 1; i < 12; i++) {
            put("f", big);
        }
        RecordingWatchClient c = client();
        c.request(create(watch("f").setStartRevision(first).setFragment(true)));
        c.request(create(watch("f").setStartRevision(first)));
        List<WatchResponse> fragmented = new ArrayList<>();
        List<WatchResponse> whole = new ArrayList<>();
        int created = 0;
        int events0 = 0;
        int events1 = 0;
        while (created < 2 || events0 < 12 || events1 < 12) {
            WatchResponse r = c.next(BOUND);
            // the first watcher's history may come before the second one's created response
            if (r.getCreated()) {
                created++;
            } else if (r.getWatchId() == 0) {
                fragmented.add(r);
                events0 += r.getEventsCount();
            } else {
                whole.add(r);
                events1 += r.getEventsCount();
            }
        }
        // 12 events of 60 KiB: more than max-request-bytes plus etcd's 512 KiB of overhead
        assertThat(whole).hasSize(1);
        assertThat(whole.get(0).getFragment()).isFalse();
        assertThat(fragmented).hasSizeGreaterThan(1);
        assertThat(fragmented.subList(0, fragmented.size() - 1)).allMatch(WatchResponse::getFragment);
        assertThat(fragmented.get(fragmented.size() - 1).getFragment()).isFalse();
        assertThat(fragmented).allMatch(r -> r.getSerializedSize() <= maxRequest + 512 * 1024);
        assertThat(fragmented.stream().flatMap(r -> r.getEventsList().stream()).toList())
                .isEqualTo(whole.get(0).getEventsList());
    }

    @Test
    void aClientThatStopsReadingHoldsUpNoWriterAndGetsEveryEventOnceItReads() throws Exception {
        start(Map.of());
        RecordingWatchClient slow = client();
        RecordingWatchClient other = client();
        slow.request(create(watch("s")));
        other.request(create(watch("s")));
        slow.next(BOUND);
        other.next(BOUND);
        slow.ready(false);
        int writes = 600;
        long first = 0;
        for (int i = 0; i < writes; i++) {
            long rev = put("s", String.valueOf(i));
            first = first == 0 ? rev : first;
        }
        // the other watcher kept up while the slow one read nothing
        assertThat(events(other, writes)).hasSize(writes);
        assertThat(slow.queued()).isZero();
        slow.ready(true);
        List<Event> got = events(slow, writes);
        for (int i = 0; i < writes; i++) {
            assertThat(got.get(i).getKv().getModRevision()).isEqualTo(first + i);
            assertThat(got.get(i).getKv().getValue().toStringUtf8()).isEqualTo(String.valueOf(i));
        }
        assertThat(slow.poll(Duration.ofMillis(200))).as("nothing twice").isNull();
    }

    @Test
    void aClientBehindGetsEachWatchersQueuedRevisionsInFewerResponsesInOrder() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("a")));
        c.request(create(watch("b")));
        c.next(BOUND);
        c.next(BOUND);
        c.ready(false);
        int writes = 50;
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            revisions.add(put("a", "a" + i));
            put("b", "b" + i);
        }
        c.ready(true);
        Map<Long, List<Event>> byWatcher = new HashMap<>(Map.of(0L, new ArrayList<>(), 1L, new ArrayList<>()));
        int responses = 0;
        while (byWatcher.get(0L).size() < writes || byWatcher.get(1L).size() < writes) {
            WatchResponse r = c.next(BOUND);
            responses++;
            long lastEvent = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
            assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(lastEvent);
            byWatcher.get(r.getWatchId()).addAll(r.getEventsList());
        }
        // one response per revision would be 100; the queued batches of a watcher go together
        assertThat(responses).isLessThan(writes);
        assertThat(byWatcher.get(0L).stream().map(e -> e.getKv().getModRevision()).toList()).isEqualTo(revisions);
        assertThat(byWatcher.get(1L).stream().map(e -> e.getKv().getValue().toStringUtf8()).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, writes).mapToObj(i -> "b" + i).toList());
        assertThat(c.poll(Duration.ofMillis(200))).as("nothing twice").isNull();
    }

    @Test
    void aWatcherTakingTheIdOfACancelledOneGetsNoneOfItsQueuedEvents() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("old").setWatchId(7)));
        assertThat(c.next(BOUND).getWatchId()).isEqualTo(7);
        c.ready(false);
        for (int i = 0; i < 5; i++) {
            put("old", String.valueOf(i));
        }
        c.request(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build());
        c.request(create(watch("new").setWatchId(7)));
        // both requests were taken while the client read nothing: its control responses wait
        Await.until("the stream has taken the create request", () -> c.unsentRequests() == 0);
        c.ready(true);
        WatchResponse cancelled = c.next(BOUND);
        assertThat(cancelled.getCanceled()).isTrue();
        WatchResponse created = c.next(BOUND);
        assertThat(created.getCreated()).isTrue();
        assertThat(created.getWatchId()).isEqualTo(7);
        long rev = put("new", "n");
        WatchResponse next = c.next(BOUND);
        assertThat(describe(next.getEventsList())).containsExactly("PUT new@" + rev + "=n");
    }

    @Test
    void closingTheMemberEndsItsStreamsWithServerStopped() throws Exception {
        start(Map.of());
        RecordingWatchClient c = client();
        c.request(create(watch("k")));
        c.next(BOUND);
        server.close();
        assertThat(c.ended().get(10, java.util.concurrent.TimeUnit.SECONDS).error()).isEqualTo(EtcdError.STOPPED);
        server = null;
    }

    @Test
    void aStreamOpenedOnAStoppedMemberEndsAtOnce() throws Exception {
        start(Map.of());
        server.close();
        RecordingWatchClient c = client();
        assertThat(c.ended().get(10, java.util.concurrent.TimeUnit.SECONDS).error()).isEqualTo(EtcdError.STOPPED);
        server = null;
    }
}
