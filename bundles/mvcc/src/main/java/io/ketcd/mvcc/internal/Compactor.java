package io.ketcd.mvcc.internal;

import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The physical side of compaction (etcd's {@code scheduleCompaction}): deletes from the key
 * bucket, in batches of its own write section each, every revision at or below the compaction
 * revision that the index no longer needs, then records the compaction as finished.
 *
 * <p>Bookkeeping in the backend's "meta" bucket, as etcd: {@value #SCHEDULED_KEY} is written
 * (with the request's consistent index) when a compaction is accepted, {@value #FINISHED_KEY}
 * when its deletions are done; both hold an encoded {@link Revision} {@code {rev, 0}}. A store
 * that opens with scheduled &gt; finished resumes the compaction.
 */
public final class Compactor {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    /** The backend bucket of the store's bookkeeping, shared with the backend (etcd's "meta"). */
    public static final String META_BUCKET = "meta";
    public static final String SCHEDULED_KEY = "scheduledCompactRev";
    public static final String FINISHED_KEY = "finishedCompactRev";
    /** etcd's default compaction batch limit. */
    public static final int DEFAULT_BATCH_LIMIT = 1000;

    private static final byte[] SCHEDULED = SCHEDULED_KEY.getBytes();
    private static final byte[] FINISHED = FINISHED_KEY.getBytes();

    private final Backend backend;
    private final Bucket keys;
    private final Bucket meta;
    private final int batchLimit;

    public Compactor(Backend backend, int batchLimit) {
        if (batchLimit <= 0) {
            throw new IllegalArgumentException("batchLimit must be positive: " + batchLimit);
        }
        this.backend = backend;
        this.keys = backend.bucket(KeySpace.KEY_BUCKET);
        this.meta = backend.bucket(META_BUCKET);
        this.batchLimit = batchLimit;
    }

    /** The last compaction revision recorded as scheduled, or -1. */
    public long scheduled() {
        return read(SCHEDULED);
    }

    /** The last compaction revision recorded as finished, or -1. */
    public long finished() {
        return read(FINISHED);
    }

    /** Records {@code rev} as scheduled; call inside {@link Backend#write}. */
    public void markScheduled(long rev) {
        meta.put(SCHEDULED, new Revision(rev, 0).toBytes());
    }

    /**
     * Deletes the revisions at or below {@code rev} that are not in {@code keep}, then records
     * {@code rev} as finished. Each batch is its own write section, so the backend may commit
     * between batches and a crash leaves a compaction to resume, never a corrupt store.
     *
     * @return the number of backend entries deleted
     */
    public long compact(long rev, Set<Revision> keep) {
        long started = System.nanoTime();
        byte[] end = Revision.mainPrefix(rev + 1);
        byte[][] from = {new byte[Revision.BYTES_LEN]};
        long deleted = 0;
        while (true) {
            long[] batch = backend.write(() -> {
                List<byte[]> batchKeys = new ArrayList<>(batchLimit);
                keys.scan(from[0], end, (k, v) -> {
                    batchKeys.add(k);
                    return batchKeys.size() < batchLimit;
                });
                long n = 0;
                for (byte[] k : batchKeys) {
                    if (!keep.contains(Revision.fromBytes(k))) {
                        keys.delete(k);
                        n++;
                    }
                }
                if (batchKeys.size() < batchLimit) {
                    meta.put(FINISHED, new Revision(rev, 0).toBytes());
                    return new long[] {n, 1};
                }
                Revision last = Revision.fromBytes(batchKeys.get(batchKeys.size() - 1));
                from[0] = new Revision(last.main(), last.sub() + 1).toBytes();
                return new long[] {n, 0};
            });
            deleted += batch[0];
            if (batch[1] == 1) {
                break;
            }
        }
        LOG.info("finished compaction at revision {}: {} revisions deleted in {} ms", rev, deleted,
                (System.nanoTime() - started) / 1_000_000);
        return deleted;
    }

    private long read(byte[] key) {
        byte[] v = meta.get(key);
        return v == null ? -1 : Revision.fromBytes(v).main();
    }
}
