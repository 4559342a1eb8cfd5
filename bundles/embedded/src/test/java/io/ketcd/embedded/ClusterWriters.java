package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;

import io.etcd.jetcd.Client;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;

import com.google.protobuf.ByteString;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writers that put {@code w<writer>/<n>} through a jetcd client until stopped, recording every
 * acknowledged key, for tests that change a running cluster under load and then check that
 * every acknowledged write is on every member.
 */
final class ClusterWriters implements AutoCloseable {
    private final ExecutorService writers;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();

    private ClusterWriters(int count) {
        writers = Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, "test-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts {@code count} writers on {@code client}. */
    static ClusterWriters start(Client client, int count) {
        ClusterWriters w = new ClusterWriters(count);
        for (int i = 0; i < count; i++) {
            int writer = i;
            w.writers.execute(() -> w.write(client, writer));
        }
        return w;
    }

    private void write(Client client, int writer) {
        for (int n = 0; !stop.get(); n++) {
            String key = "w" + writer + "/" + n;
            try {
                client.getKVClient().put(bs(key), bs(key)).get(10, TimeUnit.SECONDS);
                acknowledged.add(key);
            } catch (ExecutionException | TimeoutException e) {
                // not acknowledged: it may or may not be applied, and is not checked
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    int count() {
        return acknowledged.size();
    }

    /** Waits for {@code more} acknowledged writes after the ones so far. */
    void awaitMore(int more) {
        int target = acknowledged.size() + more;
        awaitTrue(target + " acknowledged writes", () -> acknowledged.size() >= target);
    }

    /** Stops the writers and waits for them; returns the keys acknowledged. */
    Set<String> stop() throws InterruptedException {
        stop.set(true);
        writers.shutdown();
        if (!writers.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new AssertionError("writers did not stop");
        }
        return new HashSet<>(acknowledged);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        writers.shutdownNow();
        writers.awaitTermination(30, TimeUnit.SECONDS);
    }

    /** The member's revision and KV hash, or the error getting them. */
    static String revisionAndHash(EmbeddedEtcd m) {
        try {
            HashKVResponse h = m.server().hashKV(HashKVRequest.getDefaultInstance()).get(10, TimeUnit.SECONDS);
            return h.getHeader().getRevision() + "/" + h.getHash();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The writers' keys as {@code m} holds them locally. */
    static Set<String> keys(EmbeddedEtcd m) throws Exception {
        var all = m.server().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("w"))
                .setRangeEnd(ByteString.copyFromUtf8("x")).setKeysOnly(true).setSerializable(true).build())
                .get(10, TimeUnit.SECONDS);
        Set<String> out = new HashSet<>();
        all.getKvsList().forEach(kv -> out.add(kv.getKey().toStringUtf8()));
        return out;
    }
}
