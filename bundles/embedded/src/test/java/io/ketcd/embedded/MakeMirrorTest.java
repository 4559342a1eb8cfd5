package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.bs;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.ketcd.testing.Await;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code etcdctl make-mirror} between a real etcd 3.4 and ketcd, both ways: the keys there when
 * it starts, then the puts and deletes that follow, as etcd's watch delivers them.
 */
class MakeMirrorTest {
    @TempDir
    Path dir;

    @Test
    void makeMirrorCopiesFromEtcdIntoKetcdAndFromKetcdIntoEtcd() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(dir.resolve("etcd"));
                Client atEtcd = Client.builder().endpoints("http://" + etcd.endpoint()).build();
                PeerCluster cluster = new PeerCluster(dir.resolve("ketcd"), "http")) {
            EmbeddedEtcd ketcd = cluster.startAll(Map.of("m1", Map.of())).get(0);
            agreedLeader(List.of(ketcd));
            Client atKetcd = cluster.client(ketcd);

            mirror(atEtcd, etcd.endpoint(), atKetcd, ketcd.grpcEndpoint(), "e2k/");
            mirror(atKetcd, ketcd.grpcEndpoint(), atEtcd, etcd.endpoint(), "k2e/");
        }
    }

    /** Keys under {@code prefix} written to the source before and while make-mirror runs arrive at the destination. */
    private static void mirror(Client source, String sourceEndpoint, Client destination, String destinationEndpoint,
            String prefix) throws Exception {
        for (int i = 0; i < 50; i++) {
            source.getKVClient().put(bs(prefix + i), bs("before " + i)).get(10, SECONDS);
        }
        try (StreamingCommand mirror = StreamingCommand.etcdctl(List.of("--endpoints=" + sourceEndpoint),
                "make-mirror", "--prefix=" + prefix, destinationEndpoint)) {
            awaitSame(source, destination, prefix);
            for (int i = 25; i < 75; i++) {
                source.getKVClient().put(bs(prefix + i), bs("while " + i)).get(10, SECONDS);
            }
            source.getKVClient().delete(bs(prefix + 3)).get(10, SECONDS);
            awaitSame(source, destination, prefix);
        }
    }

    private static void awaitSame(Client source, Client destination, String prefix) throws Exception {
        List<String> expected = keyValues(source, prefix);
        Await.until("the destination to hold " + expected.size() + " keys under " + prefix + " as the source has them",
                Await.DEFAULT_BOUND,
                () -> expected.equals(keyValuesOrNull(destination, prefix)),
                () -> "destination has " + keyValuesOrNull(destination, prefix));
    }

    private static List<String> keyValuesOrNull(Client client, String prefix) {
        try {
            return keyValues(client, prefix);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<String> keyValues(Client client, String prefix) throws Exception {
        return client.getKVClient().get(bs(prefix), GetOption.builder().isPrefix(true).build()).get(10, SECONDS)
                .getKvs().stream().map(kv -> kv.getKey().toString(UTF_8) + "=" + kv.getValue().toString(UTF_8)).toList();
    }
}
