package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.bs;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.ketcd.server.SnapshotTool;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.SnapshotCorruptException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups that move: a ketcd snapshot restored into a new 3-member cluster, and an etcd 3.4.23
 * snapshot (made here by a real etcd) restored into ketcd, each compared key by key with where it
 * came from, revisions and leases included; damaged files refused with nothing written.
 */
class EmbeddedRestoreTest {
    @TempDir
    Path dir;

    @Test
    void aKetcdSnapshotRestoresIntoANewThreeMemberClusterWithEveryKeyRevisionAndLease() throws Exception {
        Path saved = dir.resolve("ketcd.db");
        Contents before;
        long oldClusterId;
        try (PeerCluster old = new PeerCluster(dir.resolve("old"), "http")) {
            List<EmbeddedEtcd> members = old.startThree(Map.of());
            Client client = old.client(members.get(0));
            write(client);
            before = Contents.of(client, members.get(0).grpcEndpoint());
            oldClusterId = members.get(0).server().clusterId();
            Command save = Command.etcdctl(List.of("--endpoints=" + members.get(1).grpcEndpoint()), "snapshot", "save",
                    saved.toString());
            assertThat(save.exit()).as(save.toString()).isZero();
        }
        assertThat(SnapshotTool.status(saved).revision()).isEqualTo(before.revision);

        try (PeerCluster restored = new PeerCluster(dir.resolve("new"), "http")) {
            List<EmbeddedEtcd> members = restoreAndStart(restored, saved, List.of("m1", "m2", "m3"));
            assertThat(members.get(0).server().clusterId()).isNotEqualTo(oldClusterId);
            for (EmbeddedEtcd member : members) {
                assertThat(Contents.of(restored.client(member), member.grpcEndpoint())).as("member %s", member.grpcEndpoint()).isEqualTo(before);
            }
            // the restored cluster goes on from the snapshot's revision
            long next = restored.client(members.get(2)).getKVClient().put(bs("after"), bs("restore")).get(10, SECONDS)
                    .getHeader().getRevision();
            assertThat(next).isEqualTo(before.revision + 1);
            assertThat(agreedLeader(members)).isNotZero();
        }
    }

    @Test
    void anEtcdSnapshotRestoresIntoKetcdWithEqualContentsRevisionsLeasesAndItsAuthStore() throws Exception {
        Path saved = dir.resolve("etcd.db");
        Contents before;
        String etcdStatus;
        long etcdHashKv;
        try (EtcdProcess etcd = EtcdProcess.start(dir.resolve("etcd"));
                Client client = Client.builder().endpoints("http://" + etcd.endpoint()).build()) {
            write(client);
            // enough keys for branch pages, and values larger than a page (overflow pages)
            for (int i = 0; i < 1_000; i++) {
                client.getKVClient().put(bs(String.format("many/%04d", i)), bs("v" + i)).get(10, SECONDS);
            }
            for (int i = 0; i < 3; i++) {
                client.getKVClient().put(bs("large/" + i), bs(String.valueOf((char) ('a' + i)).repeat(20_000)))
                        .get(10, SECONDS);
            }
            for (String user : List.of("root", "alice")) {
                assertThat(etcd.etcdctl("user", "add", user + ":secret-" + user).succeeded()).isTrue();
            }
            assertThat(etcd.etcdctl("role", "add", "readers").succeeded()).isTrue();
            before = Contents.of(client, etcd.endpoint());
            etcdHashKv = hashOf(etcd.etcdctl("endpoint", "hashkv", "-w", "json"));
            Command save = etcd.etcdctl("snapshot", "save", saved.toString());
            assertThat(save.exit()).as(save.toString()).isZero();
            etcdStatus = Command.etcdctl(List.of(), "snapshot", "status", saved.toString(), "-w", "json").out().trim();
        }
        SnapshotTool.Status status = SnapshotTool.status(saved);
        assertThat("{\"hash\":" + status.hash() + ",\"revision\":" + status.revision() + ",\"totalKey\":"
                + status.totalKeys() + ",\"totalSize\":" + status.totalSize() + "}")
                .as("etcdctl's status of the same file").isEqualTo(etcdStatus);

        try (PeerCluster ketcd = new PeerCluster(dir.resolve("ketcd"), "http")) {
            ketcd.reserve("m1");
            restore(ketcd, saved, "m1", "m1=" + ketcd.peerUrl("m1"));
            try (MvStoreBackend backend = MvStoreBackend.open(ketcd.dataDir("m1").resolve("member/snap/db"),
                    BackendOptions.DEFAULTS)) {
                assertThat(keys(backend, "authUsers")).containsExactly("alice", "root");
                assertThat(keys(backend, "authRoles")).containsExactly("readers");
                assertThat(keys(backend, "members")).hasSize(1);
                assertThat(keys(backend, "cluster")).isEmpty();
            }
            EmbeddedEtcd member = ketcd.start("m1", Map.of());
            agreedLeader(List.of(member));
            Client client = ketcd.client(member);
            assertThat(Contents.of(client, member.grpcEndpoint())).isEqualTo(before);
            // the same entries in the same key bucket layout: etcd's HashKV, compaction included
            assertThat(hashOf(Command.etcdctl(List.of("--endpoints=" + member.grpcEndpoint()), "endpoint", "hashkv",
                    "-w", "json"))).isEqualTo(etcdHashKv);
            assertThatThrownBy(() -> client.getKVClient().get(bs("k/1"), GetOption.builder().withRevision(2).build())
                    .get(10, SECONDS)).hasMessageContaining("mvcc: required revision has been compacted");

            // etcd's users log in to ketcd with their etcd passwords (Go's bcrypt hashes carried over)
            List<String> at = List.of("--endpoints=" + member.grpcEndpoint());
            assertThat(Command.etcdctl(at, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");
            assertThat(Command.etcdctl(List.of("--endpoints=" + member.grpcEndpoint(), "--user=alice:secret-alice"),
                    "user", "get", "alice").out()).isEqualTo("User: alice\nRoles:\n");
            Command wrong = Command.etcdctl(List.of("--endpoints=" + member.grpcEndpoint(), "--user=alice:secret-root"),
                    "user", "get", "alice");
            assertThat(wrong.err()).contains("authentication failed, invalid user ID or password");
        }
    }

    @Test
    void damagedSnapshotsAreRefusedAndNothingIsWritten() throws Exception {
        Path saved = dir.resolve("etcd.db");
        try (EtcdProcess etcd = EtcdProcess.start(dir.resolve("etcd"));
                Client client = Client.builder().endpoints("http://" + etcd.endpoint()).build()) {
            for (int i = 0; i < 200; i++) {
                client.getKVClient().put(bs("k/" + i), bs("value " + i)).get(10, SECONDS);
            }
            assertThat(etcd.etcdctl("snapshot", "save", saved.toString()).succeeded()).isTrue();
        }
        byte[] good = Files.readAllBytes(saved);

        assertRefused(Arrays.copyOf(good, good.length - 100), "snapshot missing hash");
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x40;
        assertRefused(flipped, "expected sha256");
        byte[] wrongHash = good.clone();
        wrongHash[good.length - 1] ^= 1;
        assertRefused(wrongHash, "expected sha256");
        // a hash that matches bytes that are not a whole database: cut after its meta pages
        assertRefused(withHash(Arrays.copyOf(good, 8192)), "cut short");
        // both meta pages damaged, with a hash made over the damage
        byte[] badMeta = Arrays.copyOf(good, good.length - 32);
        badMeta[16 + 48] ^= 1; // the txid, which the checksum covers
        badMeta[4096 + 16 + 48] ^= 1;
        assertRefused(withHash(badMeta), "not a bbolt database");
    }

    private void assertRefused(byte[] bytes, String reason) throws IOException {
        Path file = Files.write(dir.resolve("bad.db"), bytes);
        Path dataDir = dir.resolve("never");
        assertThatThrownBy(() -> SnapshotTool.restore(file, Map.of("data-dir", dataDir.toString()), false))
                .isInstanceOf(SnapshotCorruptException.class).hasMessageContaining(reason);
        assertThat(dataDir).doesNotExist();
    }

    private static byte[] withHash(byte[] data) throws Exception {
        byte[] out = Arrays.copyOf(data, data.length + 32);
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(data), 0, out, data.length, 32);
        return out;
    }

    private static List<EmbeddedEtcd> restoreAndStart(PeerCluster cluster, Path snapshot, List<String> names)
            throws Exception {
        cluster.reserve(names.toArray(String[]::new));
        String initialCluster = String.join(",", names.stream().map(n -> n + "=" + cluster.peerUrl(n)).toList());
        for (String name : names) {
            restore(cluster, snapshot, name, initialCluster);
        }
        List<EmbeddedEtcd> members = new ArrayList<>();
        for (String name : names) {
            members.add(cluster.start(name, Map.of()));
        }
        agreedLeader(members);
        return members;
    }

    private static void restore(PeerCluster cluster, Path snapshot, String name, String initialCluster)
            throws IOException {
        SnapshotTool.restore(snapshot, Map.of("name", name, "data-dir", cluster.dataDir(name).toString(),
                "initial-cluster", initialCluster, "initial-cluster-token", "restored-cluster",
                "initial-advertise-peer-urls", cluster.peerUrl(name)), false);
    }

    /** Keys, overwrites, a delete, two leases with keys, one key under no lease, and a compaction. */
    private static void write(Client client) throws Exception {
        KV kv = client.getKVClient();
        long shortLease = client.getLeaseClient().grant(600).get(10, SECONDS).getID();
        long longLease = client.getLeaseClient().grant(3_600).get(10, SECONDS).getID();
        for (int i = 0; i < 100; i++) {
            kv.put(bs("k/" + i), bs("first " + i)).get(10, SECONDS);
        }
        for (int i = 0; i < 100; i += 3) {
            kv.put(bs("k/" + i), bs("second " + i)).get(10, SECONDS);
        }
        kv.delete(bs("k/50")).get(10, SECONDS);
        for (int i = 0; i < 5; i++) {
            kv.put(bs("leased/" + i), bs("l" + i), PutOption.builder().withLeaseId(i % 2 == 0 ? shortLease : longLease)
                    .build()).get(10, SECONDS);
        }
        long revision = kv.put(bs("plain"), bs("x")).get(10, SECONDS).getHeader().getRevision();
        kv.compact(revision - 20, CompactOption.newBuilder().withCompactPhysical(true).build()).get(10, SECONDS);
        kv.put(bs("k/7"), bs("third 7")).get(10, SECONDS);
    }

    /** The hash in {@code etcdctl endpoint hashkv -w json}'s answer. */
    private static long hashOf(Command hashkv) {
        assertThat(hashkv.exit()).as(hashkv.toString()).isZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"hash\":(\\d+)").matcher(hashkv.out());
        assertThat(m.find()).as(hashkv.out()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<String> keys(MvStoreBackend backend, String bucket) {
        List<String> keys = new ArrayList<>();
        backend.bucket(bucket).scan(new byte[0], null, (k, v) -> keys.add(new String(k, UTF_8)));
        return keys;
    }

    /** Everything a client sees: every key with its revisions, version and lease, and every lease with its keys. */
    record Contents(long revision, List<String> keys, Map<Long, String> leases) {
        static Contents of(Client client, String endpoint) throws Exception {
            ByteSequence all = ByteSequence.from(new byte[] {0});
            GetResponse got = client.getKVClient().get(all, GetOption.builder().withRange(all).build()).get(10, SECONDS);
            List<String> keys = got.getKvs().stream().map(kv -> kv.getKey().toString(UTF_8) + "=" + kv.getValue()
                    .toString(UTF_8) + " create " + kv.getCreateRevision() + " mod " + kv.getModRevision() + " version "
                    + kv.getVersion() + " lease " + kv.getLease()).toList();
            Map<Long, String> leases = new LinkedHashMap<>();
            // jetcd 0.8 has no LeaseLeases call; etcdctl has
            Command list = Command.etcdctl(List.of("--endpoints=" + endpoint), "lease", "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            for (String line : list.out().lines().skip(1).sorted().toList()) {
                long id = Long.parseUnsignedLong(line.trim(), 16);
                LeaseTimeToLiveResponse ttl = client.getLeaseClient().timeToLive(id,
                        LeaseOption.newBuilder().withAttachedKeys().build()).get(10, SECONDS);
                leases.put(id, "granted " + ttl.getGrantedTTL() + " keys "
                        + ttl.getKeys().stream().map(k -> k.toString(UTF_8)).sorted().toList());
            }
            return new Contents(got.getHeader().getRevision(), keys, leases);
        }
    }

}
