package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.bs;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.etcd.jetcd.Client;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's periodic corruption check on a 3-member cluster: a follower whose backend was changed
 * behind raft's back (a value rewritten in its file while it was down) is found by the leader's
 * HashKV comparison over the peer port, a CORRUPT alarm names it, and from then on the cluster
 * refuses writes with "etcdserver: corrupt cluster" while reads go on, as etcd 3.4 does.
 */
class CorruptionCheckTest {
    private static final Map<String, String> CHECK_EVERY_SECOND = Map.of("experimental-corrupt-check-time", "1s");

    @TempDir
    Path dir;

    @Test
    void aFollowerWhoseDataChangedBehindRaftIsAlarmedAndWritesStop() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            List<EmbeddedEtcd> members = cluster.startThree(CHECK_EVERY_SECOND);
            long leader = agreedLeader(members);
            Client client = cluster.client(members.toArray(EmbeddedEtcd[]::new));
            for (int i = 0; i < 20; i++) {
                client.getKVClient().put(bs("k/" + i), bs("v" + i)).get(10, SECONDS);
            }
            String all = "--endpoints=" + String.join(",", members.stream().map(EmbeddedEtcd::grpcEndpoint).toList());
            Await.until("every member to have applied the writes", () -> members.stream()
                    .allMatch(m -> "v19".equals(cluster.localValue(m, "k/19"))));
            // consistent members: the check runs every second and raises nothing
            Command quiet = Command.etcdctl(List.of(all), "alarm", "list");
            assertThat(quiet.out()).isEmpty();

            String victim = cluster.running.entrySet().stream()
                    .filter(e -> e.getValue().server().memberId() != leader).findFirst().orElseThrow().getKey();
            long victimId = cluster.running.get(victim).server().memberId();
            cluster.running.remove(victim).close();
            rewriteValue(cluster.dataDir(victim).resolve("member/snap/db"), "k/7", "tampered");
            cluster.start(victim, CHECK_EVERY_SECOND);

            Await.until("a CORRUPT alarm for member " + Long.toHexString(victimId), () -> {
                try {
                    return Command.etcdctl(List.of(all), "alarm", "list").out()
                            .equals("memberID:" + Long.toUnsignedString(victimId) + " alarm:CORRUPT \n");
                } catch (Exception e) {
                    return false;
                }
            });
            assertThatThrownBy(() -> client.getKVClient().put(bs("after"), bs("x")).get(10, SECONDS))
                    .hasMessageContaining("etcdserver: corrupt cluster");
            assertThat(client.getKVClient().get(bs("k/3")).get(10, SECONDS).getKvs()).hasSize(1);
        }
    }

    /** Rewrites the value of {@code key}'s latest revision in a closed member's backend file. */
    private static void rewriteValue(Path backendFile, String key, String value) {
        try (MvStoreBackend backend = MvStoreBackend.open(backendFile, BackendOptions.DEFAULTS)) {
            List<byte[]> revisions = new ArrayList<>();
            List<KeyValue> values = new ArrayList<>();
            backend.bucket("key").scan(new byte[0], null, (k, v) -> {
                try {
                    KeyValue kv = KeyValue.parseFrom(v);
                    if (kv.getKey().toStringUtf8().equals(key)) {
                        revisions.add(k);
                        values.add(kv);
                    }
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
                return true;
            });
            assertThat(revisions).isNotEmpty();
            int last = revisions.size() - 1;
            backend.write(() -> {
                backend.bucket("key").put(revisions.get(last),
                        values.get(last).toBuilder().setValue(ByteString.copyFromUtf8(value)).build().toByteArray());
                return null;
            });
            backend.commit();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
