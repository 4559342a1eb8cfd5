package io.ketcd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseLeasesRequest;
import io.ketcd.proto.etcdserverpb.LeaseRevokeRequest;
import io.ketcd.proto.etcdserverpb.LeaseStatus;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.raft.RawNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases on one member: which keys a lease holds as puts, deletes and txns change them, the LEASE compare, and a restart. */
class KetcdServerLeaseTest {
    @TempDir
    Path dir;

    private KetcdServer start() throws Exception {
        return KetcdServer.start(ServerConfig.from(Map.of("data-dir", dir.resolve("m").toString()), Map.of()),
                RawNode::new, new InMemoryNetwork().peerNetwork());
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static EtcdError errorOf(CompletableFuture<?> f) throws Exception {
        try {
            await(f);
        } catch (ExecutionException e) {
            return ((EtcdException) e.getCause()).error();
        }
        throw new AssertionError("expected a failure");
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PutRequest.Builder put(String k) {
        return PutRequest.newBuilder().setKey(b(k)).setValue(b("v"));
    }

    private static List<String> keysOf(KetcdServer s, long lease) throws Exception {
        return await(s.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build()))
                .getKeysList().stream().map(ByteString::toStringUtf8).toList();
    }

    @Test
    void putsAttachDeletesAndPlainPutsDetachAndIgnoreLeaseKeepsTheLease() throws Exception {
        try (KetcdServer s = start()) {
            LeaseGrantResponse granted = await(s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build()));
            assertThat(granted.getID()).isPositive();
            assertThat(granted.getTTL()).as("raised to the minimum TTL of 100 ms / 1 s timing").isEqualTo(2);
            assertThat(granted.getHeader().getMemberId()).isEqualTo(s.memberId());
            long a = await(s.leaseGrant(LeaseGrantRequest.newBuilder().setID(100).setTTL(600).build())).getID();
            long other = await(s.leaseGrant(LeaseGrantRequest.newBuilder().setID(200).setTTL(600).build())).getID();
            assertThat(errorOf(s.leaseGrant(LeaseGrantRequest.newBuilder().setID(100).setTTL(5).build())))
                    .isEqualTo(EtcdError.LEASE_EXIST);

            await(s.put(put("k1").setLease(a).build()));
            await(s.put(put("k2").setLease(a).build()));
            await(s.put(put("k3").setLease(a).build()));
            await(s.put(put("k4").setLease(a).build()));
            await(s.put(put("k1").setIgnoreLease(true).build()));
            await(s.put(put("k2").build()));
            await(s.put(put("k3").setLease(other).build()));
            await(s.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("k4")).build()));
            assertThat(keysOf(s, a)).containsExactly("k1");
            assertThat(keysOf(s, other)).containsExactly("k3");
            assertThat(await(s.range(RangeRequest.newBuilder().setKey(b("k1")).build())).getKvs(0).getLease()).isEqualTo(a);
            assertThat(errorOf(s.put(put("k5").setLease(999).build()))).isEqualTo(EtcdError.LEASE_NOT_FOUND);

            // etcd's LEASE compare target; a txn's put attaches too
            TxnResponse txn = await(s.txn(TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(b("k1")).setTarget(Compare.CompareTarget.LEASE)
                            .setResult(Compare.CompareResult.EQUAL).setLease(a))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(put("k6").setLease(other))).build()));
            assertThat(txn.getSucceeded()).isTrue();
            assertThat(keysOf(s, other)).containsExactly("k3", "k6");

            long before = await(s.range(RangeRequest.newBuilder().setKey(b("k1")).build())).getHeader().getRevision();
            long revoked = await(s.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(other).build())).getHeader().getRevision();
            assertThat(revoked).as("both keys in one revision").isEqualTo(before + 1);
            assertThat(await(s.range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).build())).getKvsList())
                    .extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("k1", "k2");
            assertThat(await(s.leaseLeases(LeaseLeasesRequest.getDefaultInstance())).getLeasesList())
                    .extracting(LeaseStatus::getID).containsExactlyInAnyOrder(granted.getID(), a);
        }
    }

    @Test
    void leasesAndTheirKeysSurviveARestart() throws Exception {
        long id;
        try (KetcdServer s = start()) {
            id = await(s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build())).getID();
            await(s.put(put("held/a").setLease(id).build()));
            await(s.put(put("held/b").setLease(id).build()));
        }
        try (KetcdServer again = start()) {
            assertThat(keysOf(again, id)).containsExactly("held/a", "held/b");
            assertThat(await(again.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build())).getGrantedTTL())
                    .isEqualTo(600);
            await(again.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
            assertThat(await(again.range(RangeRequest.newBuilder().setKey(b("held/")).setRangeEnd(b("held0")).build()))
                    .getKvsCount()).isZero();
        }
    }
}
