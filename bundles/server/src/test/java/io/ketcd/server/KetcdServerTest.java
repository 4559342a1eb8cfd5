package io.ketcd.server;

import static io.ketcd.server.Futures.await;
import static io.ketcd.server.Futures.errorOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.Await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KetcdServerTest {
    @TempDir
    Path dir;

    private KetcdServer start() throws Exception {
        return KetcdServer.start(ServerConfig.from(Map.of("data-dir", dir.resolve("m").toString()), Map.of()),
                RawNode::new, new InMemoryNetwork().peerNetwork());
    }

    /**
     * The status once the member has applied {@code index}: a new member publishes its name and
     * client URLs through the log right after it starts, concurrently with a test's first writes.
     */
    private static StatusResponse statusOnceApplied(KetcdServer s, long index) throws Exception {
        StatusResponse[] st = {await(s.status())};
        Await.until("applied index " + index, Duration.ofSeconds(10), () -> {
            try {
                st[0] = await(s.status());
                // both: the status reads the commit index before the applied index, which may pass it meanwhile
                return st[0].getRaftAppliedIndex() >= index && st[0].getRaftIndex() >= index;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return st[0];
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build();
    }

    private static RangeRequest get(String k) {
        return RangeRequest.newBuilder().setKey(b(k)).build();
    }



    @Test
    void newMemberHasEtcdsIdsAndAnsweresWithFullHeaders() throws Exception {
        try (KetcdServer s = start()) {
            assertThat(Long.toHexString(s.memberId())).isEqualTo("8e9e05c52164694d");
            assertThat(Long.toHexString(s.clusterId())).isEqualTo("cdf818194e3a8c32");
            PutResponse p = await(s.put(put("foo", "bar")));
            assertThat(p.getHeader().getRevision()).isEqualTo(2);
            assertThat(p.getHeader().getClusterId()).isEqualTo(s.clusterId());
            assertThat(p.getHeader().getMemberId()).isEqualTo(s.memberId());
            assertThat(p.getHeader().getRaftTerm()).isEqualTo(2);
            RangeResponse r = await(s.range(get("foo")));
            assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("bar");
            assertThat(r.getHeader().getRevision()).isEqualTo(2);
            assertThat(r.getHeader().getMemberId()).isEqualTo(s.memberId());

            StatusResponse st = statusOnceApplied(s, 4);
            assertThat(st.getLeader()).isEqualTo(s.memberId());
            assertThat(st.getRaftTerm()).isEqualTo(2);
            // index 1: the bootstrap member, 2: the leader's empty entry, 3 and 4: the put and the
            // member publishing its name and client URLs, in either order
            assertThat(st.getRaftIndex()).isEqualTo(4);
            assertThat(st.getRaftAppliedIndex()).isEqualTo(4);
            assertThat(st.getDbSize()).isPositive();
            assertThat(st.getVersion()).isEqualTo("3.4.23");

            var members = await(s.memberList()).getMembersList();
            assertThat(members).hasSize(1);
            assertThat(members.get(0).getName()).isEqualTo("default");
            assertThat(members.get(0).getPeerURLsList()).containsExactly("http://localhost:2380");
            assertThat(members.get(0).getClientURLsList()).containsExactly("http://localhost:2379");
        }
    }

    @Test
    void aTxnNestedAsDeepAsEtcdAllowsIsAppliedFromTheLog() throws Exception {
        TxnRequest txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put("deep", "v"))).build();
        for (int level = 2; level <= io.ketcd.api.RequestNesting.MAX_TXN_DEPTH; level++) {
            txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(txn)).build();
        }
        try (KetcdServer s = start()) {
            assertThat(await(s.txn(txn)).getSucceeded()).isTrue();
            assertThat(await(s.range(get("deep"))).getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
        }
    }

    @Test
    void badRequestsFailWithEtcdErrorsAndChangeNothing() throws Exception {
        try (KetcdServer s = start()) {
            assertThat(errorOf(s.put(put("", "x")))).isEqualTo(EtcdError.EMPTY_KEY);
            assertThat(errorOf(s.range(get("")))).isEqualTo(EtcdError.EMPTY_KEY);
            byte[] big = new byte[1_572_864 + 1];
            assertThat(errorOf(s.put(PutRequest.newBuilder().setKey(b("k")).setValue(ByteString.copyFrom(big)).build())))
                    .isEqualTo(EtcdError.REQUEST_TOO_LARGE);
            TxnRequest.Builder tooMany = TxnRequest.newBuilder();
            for (int i = 0; i < 129; i++) {
                tooMany.addSuccess(RequestOp.newBuilder().setRequestPut(put("k" + i, "v")));
            }
            assertThat(errorOf(s.txn(tooMany.build()))).isEqualTo(EtcdError.TOO_MANY_OPS);
            TxnRequest dup = TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "1")))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "2"))).build();
            assertThat(errorOf(s.txn(dup))).isEqualTo(EtcdError.DUPLICATE_KEY);
            assertThat(errorOf(s.put(PutRequest.newBuilder().setKey(b("k")).setLease(42).build())))
                    .isEqualTo(EtcdError.LEASE_NOT_FOUND);
            assertThat(await(s.range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).build())).getCount())
                    .isZero();
            assertThat(await(s.status()).getHeader().getRevision()).isEqualTo(1);
            // a request that failed while being applied left the backend writable
            assertThat(await(s.put(put("after", "ok"))).getHeader().getRevision()).isEqualTo(2);
        }
    }

    @Test
    void concurrentWritesEachGetTheirOwnRevision() throws Exception {
        try (KetcdServer s = start()) {
            List<CompletableFuture<PutResponse>> acks = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                acks.add(s.put(put("key" + (i % 100), "v" + i)));
            }
            Set<Long> revisions = new HashSet<>();
            for (CompletableFuture<PutResponse> a : acks) {
                revisions.add(await(a).getHeader().getRevision());
            }
            assertThat(revisions).hasSize(2000);
            assertThat(revisions).allMatch(r -> r >= 2 && r <= 2001);
        }
    }

    @Test
    void restartKeepsDataAndStartsANewTerm() throws Exception {
        try (KetcdServer s = start()) {
            await(s.put(put("a", "1")));
            await(s.txn(TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(b("a")).setTarget(Compare.CompareTarget.VALUE)
                            .setResult(Compare.CompareResult.EQUAL).setValue(b("1")))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(put("b", "2"))).build()));
        }
        try (KetcdServer s = start()) {
            RangeResponse all = await(s.range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).build()));
            assertThat(all.getKvsList()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("a", "b");
            assertThat(all.getHeader().getRevision()).isEqualTo(3);
            assertThat(all.getHeader().getRaftTerm()).isEqualTo(3);
            assertThat(await(s.put(put("c", "3"))).getHeader().getRevision()).isEqualTo(4);
        }
    }

    @Test
    void aLostBackendIsRebuiltFromTheWal() throws Exception {
        long revision;
        try (KetcdServer s = start()) {
            for (int i = 0; i < 100; i++) {
                await(s.put(put("k" + i, "v" + i)));
            }
            TxnResponse t = await(s.txn(TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                            io.ketcd.proto.etcdserverpb.DeleteRangeRequest.newBuilder().setKey(b("k1")))).build()));
            revision = t.getHeader().getRevision();
        }
        Files.delete(dir.resolve("m/member/snap/db"));
        try (KetcdServer s = start()) {
            RangeResponse all = await(s.range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).build()));
            assertThat(all.getCount()).isEqualTo(99);
            assertThat(all.getHeader().getRevision()).isEqualTo(revision);
            assertThat(await(s.memberList()).getMembersCount()).isEqualTo(1);
        }
    }

    @Test
    void serializableAndLinearizableReadsSeeAcknowledgedWrites() throws Exception {
        try (KetcdServer s = start()) {
            for (int i = 0; i < 50; i++) {
                await(s.put(put("x", "v" + i)));
                assertThat(await(s.range(get("x"))).getKvs(0).getValue().toStringUtf8()).isEqualTo("v" + i);
                RangeRequest serializable = get("x").toBuilder().setSerializable(true).build();
                assertThat(await(s.range(serializable)).getKvs(0).getValue().toStringUtf8()).isEqualTo("v" + i);
            }
        }
    }

    @Test
    void readOnlyTxnsAreServedWithoutALogEntry() throws Exception {
        try (KetcdServer s = start()) {
            await(s.put(put("a", "1")));
            long index = statusOnceApplied(s, 4).getRaftIndex();
            TxnRequest readOnly = TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(b("a")).setTarget(Compare.CompareTarget.VALUE)
                            .setResult(Compare.CompareResult.EQUAL).setValue(b("1")))
                    .addSuccess(RequestOp.newBuilder().setRequestRange(get("a")))
                    .addFailure(RequestOp.newBuilder().setRequestRange(get("b"))).build();
            TxnResponse r = await(s.txn(readOnly));
            assertThat(r.getSucceeded()).isTrue();
            assertThat(r.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
            assertThat(r.getHeader().getRevision()).isEqualTo(2);
            assertThat(r.getHeader().getMemberId()).isEqualTo(s.memberId());
            TxnRequest serializable = readOnly.toBuilder().clearSuccess().clearFailure()
                    .addSuccess(RequestOp.newBuilder().setRequestRange(get("a").toBuilder().setSerializable(true))).build();
            assertThat(await(s.txn(serializable)).getResponses(0).getResponseRange().getCount()).isEqualTo(1);
            assertThat(await(s.status()).getRaftIndex()).as("no log entry for reads").isEqualTo(index);

            TxnRequest.Builder tooMany = TxnRequest.newBuilder();
            for (int i = 0; i < 129; i++) {
                tooMany.addSuccess(RequestOp.newBuilder().setRequestRange(get("k" + i)));
            }
            assertThat(errorOf(s.txn(tooMany.build()))).isEqualTo(EtcdError.TOO_MANY_OPS);

            TxnRequest writes = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put("c", "3"))).build();
            assertThat(await(s.txn(writes)).getHeader().getRevision()).isEqualTo(3);
            assertThat(await(s.status()).getRaftIndex()).isEqualTo(index + 1);
        }
    }

    @Test
    void closedServerRefusesRequests() throws Exception {
        KetcdServer s = start();
        s.close();
        assertThat(errorOf(s.put(put("a", "b")))).isEqualTo(EtcdError.STOPPED);
        assertThat(errorOf(s.range(get("a")))).isEqualTo(EtcdError.STOPPED);
    }

    @Test
    void peerListenersThatCannotBeReopenedAreTriedAgainWhileTheMemberServes() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork();
        KetcdServer s = KetcdServer.start(ServerConfig.from(Map.of("data-dir", dir.resolve("m").toString()), Map.of()),
                RawNode::new, network.peerNetwork());
        try {
            AtomicInteger refusals = new AtomicInteger(2);
            List<List<URI>> opened = new CopyOnWriteArrayList<>();
            ListenerFactory portStillReleased = new ListenerFactory() {
                @Override
                public List<Listener> open(ListenerRole role, List<URI> urls) throws IOException {
                    if (refusals.getAndDecrement() > 0) {
                        throw new IOException("listen tcp: bind: address already in use");
                    }
                    opened.add(urls);
                    return network.open(role, urls);
                }

                @Override
                public List<Listener> openListeners() {
                    return List.of();
                }
            };

            s.replacePeerNetwork(portStillReleased, TlsPolicy.disabled(TlsRole.PEER));
            assertThat(await(s.put(put("during", "swap"))).getHeader().getRevision()).isPositive();

            Await.until("the peer listeners opened on the third try", Duration.ofSeconds(10), () -> opened.size() == 1);
            assertThat(opened.get(0)).isEqualTo(s.config().listenPeerUrls());
            assertThat(refusals.get()).isEqualTo(-1);
        } finally {
            s.close();
        }
    }
}
