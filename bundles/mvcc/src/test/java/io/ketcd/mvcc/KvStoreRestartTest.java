package io.ketcd.mvcc;

import static io.ketcd.mvcc.Requests.ALL;
import static io.ketcd.mvcc.Requests.b;
import static io.ketcd.mvcc.Requests.del;
import static io.ketcd.mvcc.Requests.get;
import static io.ketcd.mvcc.Requests.op;
import static io.ketcd.mvcc.Requests.put;
import static io.ketcd.mvcc.Requests.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.mvcc.internal.Revision;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reopening a store on its backend gives back the same store: every revision from the
 * compaction on reads the same, the revisions and the consistent index are the same, and a
 * compaction that was accepted but not finished is finished. Runs on the real MVStore backend
 * (closed and reopened from its file) and on the in-memory one.
 */
class KvStoreRestartTest {

    @TempDir
    Path dir;

    private Backend openMvStore() throws IOException {
        return MvStoreBackend.open(dir.resolve("db"), BackendOptions.DEFAULTS);
    }

    /** A history of puts, deletes, txns and two compactions; returns the store. */
    private static KvStore writeHistory(Backend backend, long seed) {
        KvStore store = new KvStore(backend, lease -> lease == 5);
        Random random = new Random(seed);
        long index = 0;
        for (int i = 0; i < 600; i++) {
            String k = "k" + random.nextInt(40);
            switch (random.nextInt(6)) {
                case 0 -> store.deleteRange(del(k).setRangeEnd(b(k + "5")).build(), ++index);
                case 1 -> store.txn(txn(List.of(), List.of(op(put(k, "t" + i)), op(del("x" + k))), List.of()).build(), ++index);
                case 2 -> store.put(put(k, "v" + i).setLease(5).build(), ++index);
                default -> store.put(put(k, "v" + i).build(), ++index);
            }
            if (i == 200 || i == 450) {
                store.compact(CompactionRequest.newBuilder().setRevision(store.currentRevision() - 30).build(), ++index);
            }
        }
        return store;
    }

    /** Every key at every readable revision, plus the bookkeeping. */
    private static List<Object> state(KvStore store) {
        List<Object> state = new ArrayList<>();
        state.add(store.currentRevision());
        state.add(store.compactRevision());
        for (long rev = store.compactRevision(); rev <= store.currentRevision(); rev++) {
            RangeResponse r = store.range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(ALL).setRevision(rev).build());
            state.add(r.getKvsList());
        }
        return state;
    }

    @Test
    void reopensFromTheMvStoreFile() throws IOException {
        List<Object> before;
        long index;
        try (Backend backend = openMvStore()) {
            KvStore store = writeHistory(backend, 1);
            before = state(store);
            index = backend.consistentIndex();
        }
        try (Backend backend = openMvStore()) {
            KvStore reopened = new KvStore(backend, lease -> lease == 5);
            assertThat(backend.consistentIndex()).isEqualTo(index).isPositive();
            assertThat(state(reopened)).isEqualTo(before);
            // and it goes on from there: versions and create revisions continue
            long rev = reopened.put(put("k1", "after").build()).getHeader().getRevision();
            assertThat(rev).isEqualTo(reopened.currentRevision()).isEqualTo((Long) before.get(0) + 1);
        }
    }

    @Test
    void reopensFromMemory() {
        MemoryBackend backend = new MemoryBackend();
        KvStore store = writeHistory(backend, 2);
        List<Object> before = state(store);
        assertThat(state(new KvStore(backend, lease -> lease == 5))).isEqualTo(before);
        // writing on from the reopened store matches writing on from the original
        KvStore reopened = new KvStore(backend, lease -> lease == 5);
        var afterReopen = reopened.put(put("k7", "x").setPrevKv(true).build());
        MemoryBackend twin = new MemoryBackend();
        KvStore original = writeHistory(twin, 2);
        assertThat(original.put(put("k7", "x").setPrevKv(true).build())).isEqualTo(afterReopen);
    }

    @Test
    void compactionThatRemovedEverythingKeepsTheRevision() throws IOException {
        try (Backend backend = openMvStore()) {
            KvStore store = new KvStore(backend);
            store.put(put("a", "1").build());
            store.deleteRange(del("a").build());
            store.compact(CompactionRequest.newBuilder().setRevision(3).build());
            assertThat(backend.bucket("key").size()).isZero();
        }
        try (Backend backend = openMvStore()) {
            KvStore reopened = new KvStore(backend);
            assertThat(reopened.currentRevision()).isEqualTo(3);
            assertThat(reopened.compactRevision()).isEqualTo(3);
            assertThat(reopened.put(put("a", "2").build()).getHeader().getRevision()).isEqualTo(4);
        }
    }

    @Test
    void finishesACompactionThatWasScheduledButNotDone() throws IOException {
        List<Object> expected;
        try (Backend backend = openMvStore()) {
            KvStore store = writeHistory(backend, 3);
            long at = store.currentRevision() - 10;
            // what the store looks like after compacting, from a twin in memory
            MemoryBackend twin = new MemoryBackend();
            KvStore compacted = writeHistory(twin, 3);
            compacted.compact(CompactionRequest.newBuilder().setRevision(at).build());
            expected = state(compacted);
            // a crash right after the compaction was accepted: scheduled, nothing deleted yet
            backend.write(() -> {
                backend.bucket("meta").put("scheduledCompactRev".getBytes(), new Revision(at, 0).toBytes());
                return null;
            });
            assertThat(backend.bucket("key").size()).isGreaterThan(twin.size("key"));
        }
        try (Backend backend = openMvStore()) {
            KvStore reopened = new KvStore(backend, lease -> lease == 5);
            assertThat(state(reopened)).isEqualTo(expected);
            long at = reopened.compactRevision();
            assertThat(backend.bucket("meta").get("finishedCompactRev".getBytes())).isEqualTo(new Revision(at, 0).toBytes());
            assertThat(reopened.range(get("k1").setRevision(at).build())).isNotNull();
        }
        try (Backend backend = openMvStore()) {
            KvStore again = new KvStore(backend, lease -> lease == 5);
            assertThat(state(again)).as("a finished compaction is not resumed twice").isEqualTo(expected);
        }
    }
}
