package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.SnapshotDb;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Maintenance service end to end on a 3-member cluster on real sockets, through jetcd and
 * etcdctl 3.4; answers and texts as etcd 3.4.23 gives them to the same requests.
 */
class EmbeddedMaintenanceTest {
    @TempDir
    Path dir;
    private PeerCluster cluster;
    private List<EmbeddedEtcd> members;

    @BeforeEach
    void start() throws Exception {
        cluster = new PeerCluster(dir, "http");
        members = cluster.startThree(Map.of());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void moveLeaderHandsLeadershipToTheTargetAndRefusesWhatEtcdRefuses() throws Exception {
        long leader = agreedLeader(members);
        EmbeddedEtcd leading = member(leader);
        EmbeddedEtcd target = members.stream().filter(m -> m.server().memberId() != leader).findFirst().orElseThrow();
        EmbeddedEtcd third = members.stream().filter(m -> m != leading && m != target).findFirst().orElseThrow();
        long targetId = target.server().memberId();

        Client atLeader = cluster.client(leading);
        atLeader.getMaintenanceClient().moveLeader(targetId).get(30, SECONDS);
        assertThat(agreedLeader(members)).isEqualTo(targetId);
        assertThat(target.server().status().get(10, SECONDS).getLeader()).isEqualTo(targetId);

        // the old leader is a follower now: etcd refuses there; a non-member and 0 are bad transferees
        assertThatThrownBy(() -> atLeader.getMaintenanceClient().moveLeader(third.server().memberId()).get(10, SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: not leader");
        Client atTarget = cluster.client(target);
        assertThatThrownBy(() -> atTarget.getMaintenanceClient().moveLeader(42).get(10, SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: bad leader transferee");
        // to the leader itself: done at once
        atTarget.getMaintenanceClient().moveLeader(targetId).get(10, SECONDS);

        // etcdctl finds the leader among the endpoints and asks it
        String all = "--endpoints=" + String.join(",", members.stream().map(EmbeddedEtcd::grpcEndpoint).toList());
        Command moved = Command.etcdctl(List.of(all), "move-leader", Long.toHexString(third.server().memberId()));
        assertThat(moved.out()).isEqualTo("Leadership transferred from " + Long.toHexString(targetId) + " to "
                + Long.toHexString(third.server().memberId()) + "\n");
        assertThat(agreedLeader(members)).isEqualTo(third.server().memberId());
        Command bad = Command.etcdctl(List.of(all), "move-leader", "2a");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("Error: etcdserver: bad leader transferee");
    }

    @Test
    void snapshotSaveStoresABackupOfEveryKeyThatEtcdctlAcceptsAndThatRestores() throws Exception {
        Client client = cluster.client(members.get(1));
        for (int i = 0; i < 500; i++) {
            client.getKVClient().put(PeerCluster.bs("backup/" + i), PeerCluster.bs("v" + i)).get(10, SECONDS);
        }
        Path saved = dir.resolve("etcdctl.db");
        Command save = Command.etcdctl(List.of("--endpoints=" + members.get(1).grpcEndpoint()), "snapshot", "save",
                saved.toString());
        assertThat(save.exit()).as(save.toString()).isZero();
        assertThat(save.out()).isEqualTo("Snapshot saved at " + saved + "\n");
        assertThat(restoredKeys(saved)).isGreaterThanOrEqualTo(500);

        Path viaJetcd = dir.resolve("jetcd.db");
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(viaJetcd)) {
            long size = client.getMaintenanceClient().snapshot(out).get(30, SECONDS);
            assertThat(size).isEqualTo(java.nio.file.Files.size(viaJetcd)).isGreaterThan(0);
        }
        assertThat(restoredKeys(viaJetcd)).isGreaterThanOrEqualTo(500);
    }

    @Test
    void defragmentShrinksTheFileWhileWritesGoOn() throws Exception {
        EmbeddedEtcd member = members.get(0);
        Client client = cluster.client(member);
        byte[] big = new byte[4_096];
        new java.util.Random(7).nextBytes(big);
        for (int i = 0; i < 3_000; i++) {
            client.getKVClient().put(PeerCluster.bs("defrag/" + (i % 300)), io.etcd.jetcd.ByteSequence.from(big))
                    .get(10, SECONDS);
        }
        long revision = client.getKVClient().put(PeerCluster.bs("defrag/last"), PeerCluster.bs("x")).get(10, SECONDS)
                .getHeader().getRevision();
        client.getKVClient().compact(revision, io.etcd.jetcd.options.CompactOption.newBuilder().withCompactPhysical(true)
                .build()).get(30, SECONDS);
        long before = member.server().status().get(10, SECONDS).getDbSize();

        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.CompletableFuture<Integer> writer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            int n = 0;
            while (writing.get()) {
                client.getKVClient().put(PeerCluster.bs("during/" + n), PeerCluster.bs("v")).join();
                n++;
            }
            return n;
        });
        String endpoint = member.grpcEndpoint();
        Command defrag = Command.etcdctl(List.of("--endpoints=" + endpoint), "defrag");
        assertThat(defrag.out()).isEqualTo("Finished defragmenting etcd member[" + endpoint + "]\n");
        writing.set(false);
        int written = writer.get(30, SECONDS);
        assertThat(written).isPositive();

        var after = member.server().status().get(10, SECONDS);
        assertThat(after.getDbSize()).as("db size after defragment, %d before", before).isLessThan(before / 2);
        assertThat(client.getKVClient().get(PeerCluster.bs("during/" + (written - 1))).get(10, SECONDS).getCount())
                .isEqualTo(1);
        assertThat(client.getKVClient().get(PeerCluster.bs("defrag/7")).get(10, SECONDS).getKvs().get(0).getValue()
                .getBytes()).isEqualTo(big);
        // jetcd's call answers the same way
        client.getMaintenanceClient().defragmentMember(endpoint).get(30, SECONDS);
    }

    @Test
    void pastTheQuotaANoSpaceAlarmStopsWritesOnEveryMemberUntilCompactDefragAndDisarm() throws Exception {
        cluster.close();
        cluster = new PeerCluster(dir.resolve("quota"), "http");
        members = cluster.startThree(Map.of("quota-backend-bytes", "3000000"));
        EmbeddedEtcd writeTo = members.get(1);
        Client client = cluster.client(writeTo);
        io.etcd.jetcd.ByteSequence value = io.etcd.jetcd.ByteSequence.from(new byte[8_192]);
        String refused = null;
        for (int i = 0; i < 5_000 && refused == null; i++) {
            try {
                client.getKVClient().put(PeerCluster.bs("fill/" + i), value).get(10, SECONDS);
            } catch (ExecutionException e) {
                refused = e.getCause().getMessage();
            }
        }
        assertThat(refused).as("a put was refused before 5,000 of 8 KiB").contains("etcdserver: mvcc: database space exceeded");

        String alarm = "memberID:" + Long.toUnsignedString(writeTo.server().memberId()) + " alarm:NOSPACE ";
        for (EmbeddedEtcd m : members) {
            PeerCluster.awaitTrue("every member has the alarm", () -> statusErrors(m).contains(alarm));
        }
        List<String> all = List.of("--endpoints=" + String.join(",", members.stream().map(EmbeddedEtcd::grpcEndpoint).toList()));
        // a member raises the alarm for itself when it refuses a write, so others may have raised theirs
        String listed = Command.etcdctl(all, "alarm", "list").out();
        assertThat(listed.lines()).contains(alarm).allSatisfy(line -> assertThat(members.stream()
                .map(m -> "memberID:" + Long.toUnsignedString(m.server().memberId()) + " alarm:NOSPACE ")).contains(line));
        // every member refuses what adds data; reads and deletes work
        for (EmbeddedEtcd m : members) {
            Client c = cluster.client(m);
            assertThatThrownBy(() -> c.getKVClient().put(PeerCluster.bs("more"), PeerCluster.bs("x")).get(10, SECONDS))
                    .hasMessageContaining("etcdserver: mvcc: database space exceeded");
            assertThatThrownBy(() -> c.getLeaseClient().grant(60).get(10, SECONDS))
                    .hasMessageContaining("etcdserver: mvcc: database space exceeded");
        }
        assertThat(client.getKVClient().get(PeerCluster.bs("fill/1")).get(10, SECONDS).getCount()).isEqualTo(1);
        long revision = client.getKVClient().delete(PeerCluster.bs("fill/"),
                io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get(10, SECONDS).getHeader().getRevision();

        // etcd's recovery: compact, defragment every member, disarm
        client.getKVClient().compact(revision, io.etcd.jetcd.options.CompactOption.newBuilder().withCompactPhysical(true)
                .build()).get(30, SECONDS);
        for (EmbeddedEtcd m : members) {
            Command.etcdctl(List.of("--endpoints=" + m.grpcEndpoint()), "defrag");
        }
        listed = Command.etcdctl(all, "alarm", "list").out();
        assertThat(Command.etcdctl(all, "alarm", "disarm").out()).isEqualTo(listed);
        assertThat(Command.etcdctl(all, "alarm", "list").out()).isEmpty();
        for (EmbeddedEtcd m : members) {
            assertThat(statusErrors(m)).isEmpty();
            cluster.client(m).getKVClient().put(PeerCluster.bs("after/" + m.server().memberId()), PeerCluster.bs("ok"))
                    .get(10, SECONDS);
        }
    }

    private static List<String> statusErrors(EmbeddedEtcd member) {
        try {
            return member.server().status().get(10, SECONDS).getErrorsList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyMemberHashesTheSameDataAlikeAndAWriteChangesTheHash() throws Exception {
        Client client = cluster.client(members.get(0));
        long revision = client.getKVClient().put(PeerCluster.bs("hash/a"), PeerCluster.bs("1")).get(10, SECONDS)
                .getHeader().getRevision();
        // every member published its name and client URLs (a write to the members bucket each),
        // and every member applied the same log
        for (EmbeddedEtcd m : members) {
            PeerCluster.awaitTrue("every member's attributes are applied", () -> m.server().memberList().join()
                    .getMembersList().stream().filter(x -> x.getClientURLsCount() > 0).count() == 3);
        }
        PeerCluster.awaitTrue("every member applied the same log", () -> members.stream()
                .map(PeerCluster::appliedIndex).distinct().count() == 1
                && members.get(2).server().status().join().getHeader().getRevision() >= revision);
        List<Long> hashes = new java.util.ArrayList<>();
        for (EmbeddedEtcd m : members) {
            var h = cluster.client(m).getMaintenanceClient().hashKV(m.grpcEndpoint(), 0).get(10, SECONDS);
            assertThat(h.getHeader().getRevision()).isEqualTo(revision);
            hashes.add(hash(m));
        }
        assertThat(hashes).as("Hash on every member").containsOnly(hashes.get(0));
        client.getKVClient().put(PeerCluster.bs("hash/a"), PeerCluster.bs("2")).get(10, SECONDS);
        assertThat(hash(members.get(0))).isNotEqualTo(hashes.get(0));
    }

    /** Maintenance/Hash of {@code member} (jetcd has no call for it), as an unsigned number. */
    private static long hash(EmbeddedEtcd member) throws InterruptedException {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder
                .forTarget(java.net.URI.create(member.grpcEndpoint()).getAuthority()).usePlaintext().build();
        try {
            return io.ketcd.grpc.internal.stub.MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS)
                    .hash(io.ketcd.proto.etcdserverpb.HashRequest.getDefaultInstance()).getHash() & 0xffffffffL;
        } finally {
            channel.shutdownNow().awaitTermination(10, SECONDS);
        }
    }

    /** Restores the backup {@code file} into a new backend and counts the revisions of its keys. */
    private long restoredKeys(Path file) throws Exception {
        Path target = dir.resolve("restored-" + file.getFileName() + "/db");
        SnapshotDb.readDump(file, dump -> MvStoreBackend.restore(target, dump));
        try (MvStoreBackend restored = MvStoreBackend.open(target, BackendOptions.DEFAULTS)) {
            return restored.bucket("key").size();
        }
    }

    private EmbeddedEtcd member(long id) {
        return members.stream().filter(m -> m.server().memberId() == id).findFirst().orElseThrow();
    }
}
