package io.ketcd.mvcc;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.internal.Applier;
import io.ketcd.mvcc.internal.Compactor;
import io.ketcd.mvcc.internal.KeyIndex;
import io.ketcd.mvcc.internal.KeySpace;
import io.ketcd.mvcc.internal.Revision;
import io.ketcd.mvcc.internal.SnapshotView;
import io.ketcd.mvcc.internal.TreeIndex;
import io.ketcd.mvcc.internal.WriteTxn;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.storage.Backend;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's multi-version key-value store (etcd {@code mvcc.store} with the request semantics of
 * {@code etcdserver/apply.go}): every change gets a {@link #currentRevision() revision}, old
 * revisions stay readable until {@link #compact compacted}, and the requests and responses are
 * etcd's own messages.
 *
 * <h2>Revisions</h2>
 * An empty store is at revision 1. A write request that changes something (a put, a delete that
 * deletes a key, a txn whose chosen branch does either) advances the revision by exactly one; all
 * its changes share that main revision. A request that changes nothing (a range, a read-only
 * txn, a delete of nothing, a txn whose chosen branch only reads) leaves it as it is.
 *
 * <h2>Responses</h2>
 * Each response's header has only {@code revision} set, to the revision its result reflects: for
 * a write, the revision it made (or the current one if it changed nothing); for a range, the
 * store's revision when it was served, even when it read an older {@code revision}. The server
 * adds {@code cluster_id}, {@code member_id} and {@code raft_term}. Ops inside a txn get headers
 * the same way; a nested txn's header is present but empty, as in etcd.
 *
 * <h2>Threading</h2>
 * {@link #range}, {@link #currentRevision}, {@link #compactRevision} and {@link #txn(TxnRequest)}
 * of a read-only txn are safe from any thread, concurrently with writes: each read works on the
 * revision current when it starts and never sees part of a write. Every other method is for one
 * writer thread at a time (the server's apply loop).
 *
 * <h2>Consistent index</h2>
 * Each write method has a form taking {@code consistentIndex}, the index of the raft entry being
 * applied: it records that index in the backend ({@link Backend#setConsistentIndex}) in the same
 * {@link Backend#write} section as the request's changes, so that a backend batch never holds
 * an entry's effects without its index or the other way round. The index is recorded also when
 * the request fails with an {@link EtcdException}: a rejected request is still an applied entry.
 * The forms without it leave the index alone (for tests and embedded use without raft).
 *
 * <h2>Errors</h2>
 * An {@link EtcdException} means the request was rejected and changed nothing. Any other
 * exception from a write means the store or its backend is broken (etcd exits in that case):
 * discard the store and reopen it from its backend (the server replays its WAL).
 *
 * <h2>Validation</h2>
 * Requests are checked with {@link RequestValidator} here too, but without a txn op limit; the
 * server must call {@link RequestValidator} before proposing, so that invalid requests never
 * reach the raft log, as etcd's gRPC layer does.
 */
public final class KvStore {

    private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);
    /** No consistent index to record. */
    private static final long NO_INDEX = Long.MIN_VALUE;

    private final Backend backend;
    private final KeySpace space;
    private final Compactor compactor;
    private final Applier applier;

    /**
     * Held shared by every read from the moment it captures its revisions until it has read all
     * it needs, and exclusively while {@link #compactRev} advances: once a compaction holds it,
     * no read below the new compaction revision is in flight, so the revisions it deletes are
     * needed by nobody. Lock order: this lock, then the index lock.
     */
    private final ReentrantReadWriteLock compactionLock = new ReentrantReadWriteLock();
    /** The revision of the last completed write; only the writer thread changes it. */
    private volatile long currentRev = 1;
    /** The last compaction revision, -1 if never compacted; changes under the compaction lock. */
    private volatile long compactRev = -1;
    /** Told of every write that changed something, after its revision is published. */
    private volatile ChangeListener changeListener = NO_LISTENER;
    private static final ChangeListener NO_LISTENER = new ChangeListener() {
        @Override
        public boolean listening() {
            return false;
        }

        @Override
        public void changed(long revision, List<Event> events) {
        }
    };

    /**
     * Told, on the writer thread, of each write that changed the store, once its revision is
     * the store's current one (etcd's {@code watchableStore.notify}). Must not block.
     */
    public interface ChangeListener {
        /**
         * Whether {@link #changed} is wanted now; asked after the revision is published, so that
         * a store nobody watches builds no events.
         */
        default boolean listening() {
            return true;
        }

        /**
         * @param events the write's changes in sub-revision order: a put's key-value, or for a
         *     deletion its key with {@code mod_revision} = {@code revision}, as etcd's watch
         *     events carry them
         */
        void changed(long revision, List<Event> events);
    }

    /**
     * Told, on the writer thread and inside each write's backend section, of every key a write
     * put and under which lease (0: none), and of every key it deleted: how the lessor keeps the
     * keys of each lease (etcd's lessor Attach and Detach in {@code storeTxnWrite}). Must not block.
     */
    public interface LeasedKeys {
        void put(ByteString key, long lease);

        void deleted(ByteString key);
    }

    private volatile LeasedKeys leasedKeys;

    /** The changes of the store's history read for watchers: its compaction revision, then the events after it. */
    public record History(long compactRevision, List<Event> events) {
    }

    /**
     * Opens the store on {@code backend} with no leases: every put with a lease fails with
     * {@code LEASE_NOT_FOUND}. See {@link #KvStore(Backend, LongPredicate)}.
     */
    public KvStore(Backend backend) {
        this(backend, lease -> false);
    }

    /**
     * Opens the store on {@code backend}: rebuilds the index from the key-values stored there,
     * restores the compaction revision, and finishes a compaction that was accepted but not
     * completed (this writes to the backend). The backend stays owned by the caller.
     *
     * @param leaseExists whether a lease id names a granted lease; asked for every put with a
     *     lease, on the writer thread, and must answer the same on every member for the same
     *     applied entry
     */
    public KvStore(Backend backend, LongPredicate leaseExists) {
        this(backend, leaseExists, Compactor.DEFAULT_BATCH_LIMIT);
    }

    /** As {@link #KvStore(Backend, LongPredicate)}, deleting compacted revisions in batches of this size. */
    KvStore(Backend backend, LongPredicate leaseExists, int compactionBatchLimit) {
        this.backend = backend;
        this.space = new KeySpace(new TreeIndex(), backend.bucket(KeySpace.KEY_BUCKET));
        this.compactor = new Compactor(backend, compactionBatchLimit);
        this.applier = new Applier(leaseExists);
        restore();
    }

    /** Sets who is told of the leases of the keys written ({@link LeasedKeys}); null for nobody. */
    public void trackLeases(LeasedKeys tracker) {
        this.leasedKeys = tracker;
    }

    /** Replaces the listener told of every write that changes the store. */
    public void onChange(ChangeListener listener) {
        this.changeListener = listener;
    }

    /** The revision of the last completed write; 1 for an empty store. */
    public long currentRevision() {
        return currentRev;
    }

    /** The revision of the last compaction, or -1 if the store was never compacted. */
    public long compactRevision() {
        return compactRev;
    }

    // ------------------------------------------------------------------ reads

    /**
     * Serves a range as etcd does (see {@link RangeRequest} for the options); thread-safe.
     *
     * @throws EtcdException {@code EMPTY_KEY}; {@code FUTURE_REV} if {@code revision} is after
     *     the current revision; {@code COMPACTED} if it is below the compaction revision (reading
     *     at exactly the compaction revision works)
     */
    public RangeResponse range(RangeRequest req) {
        RequestValidator.checkRange(req);
        return read(view -> applier.range(view, req));
    }

    // ------------------------------------------------------------------ writes

    /** {@link #put(PutRequest, long)} without recording a consistent index. */
    public PutResponse put(PutRequest req) {
        return put(req, NO_INDEX);
    }

    /**
     * Writes one key; writer thread only.
     *
     * @throws EtcdException {@code EMPTY_KEY}, {@code VALUE_PROVIDED}, {@code LEASE_PROVIDED}
     *     (invalid request); {@code LEASE_NOT_FOUND}; {@code KEY_NOT_FOUND} if
     *     {@code ignore_value} or {@code ignore_lease} is set and the key does not exist
     */
    public PutResponse put(PutRequest req, long consistentIndex) {
        return write(consistentIndex, txn -> {
            RequestValidator.checkPut(req);
            return applier.put(txn, req);
        });
    }

    /** {@link #deleteRange(DeleteRangeRequest, long)} without recording a consistent index. */
    public DeleteRangeResponse deleteRange(DeleteRangeRequest req) {
        return deleteRange(req, NO_INDEX);
    }

    /**
     * Deletes the keys of a range; writer thread only.
     *
     * @throws EtcdException {@code EMPTY_KEY}
     */
    public DeleteRangeResponse deleteRange(DeleteRangeRequest req, long consistentIndex) {
        return write(consistentIndex, txn -> {
            RequestValidator.checkDeleteRange(req);
            return applier.deleteRange(txn, req);
        });
    }

    /**
     * True when a txn only reads: ranges in both branches and no nested txn. etcd serves such a
     * txn like a range (from the local store, after a read index for a linearizable one)
     * instead of through the log; {@link #txn(TxnRequest)} runs it from any thread.
     */
    public static boolean isReadOnly(TxnRequest req) {
        return Applier.isReadOnly(req);
    }

    /**
     * Runs a txn without recording a consistent index. A read-only txn (only ranges in both
     * branches, no nested txn) is served like a {@link #range}, from any thread; any other txn
     * is for the writer thread.
     */
    public TxnResponse txn(TxnRequest req) {
        if (Applier.isReadOnly(req)) {
            RequestValidator.checkTxn(req, Integer.MAX_VALUE);
            return read(view -> applier.txn(view, req));
        }
        return txn(req, NO_INDEX);
    }

    /**
     * Runs a txn: the compares (over the store before the txn, nested ones included) choose the
     * branches, then the chosen ops run in order, all at one revision; writer thread only.
     *
     * @throws EtcdException an invalid request (see {@link RequestValidator#checkTxn}, not
     *     counting ops); {@code KEY_NOT_FOUND} or {@code LEASE_NOT_FOUND} from a chosen put;
     *     {@code FUTURE_REV} or {@code COMPACTED} from a chosen range with a revision (unlike
     *     {@link #range}, a negative revision is compared with the compaction revision like any
     *     other, as in etcd)
     */
    public TxnResponse txn(TxnRequest req, long consistentIndex) {
        return write(consistentIndex, txn -> {
            RequestValidator.checkTxn(req, Integer.MAX_VALUE);
            return applier.txn(txn, req);
        });
    }

    /** {@link #compact(CompactionRequest, long)} without recording a consistent index. */
    public CompactionResponse compact(CompactionRequest req) {
        return compact(req, NO_INDEX);
    }

    /**
     * Compacts the history at {@code revision}: reads below it fail with {@code COMPACTED} from
     * now on, and the backend drops every revision not needed to read at or after it. The
     * compaction is complete when this returns; with {@code physical} the backend has also
     * committed it. Writer thread only.
     *
     * @throws EtcdException {@code COMPACTED} if {@code revision} is not above the last
     *     compaction revision; {@code FUTURE_REV} if it is after the current revision
     */
    public CompactionResponse compact(CompactionRequest req, long consistentIndex) {
        long rev = req.getRevision();
        Outcome<Long> accepted = backend.write(() -> {
            EtcdException error = null;
            if (rev <= compactRev) {
                error = EtcdError.COMPACTED.exception();
            } else if (rev > currentRev) {
                error = EtcdError.FUTURE_REV.exception();
            } else {
                advanceCompactRev(rev);
                compactor.markScheduled(rev);
            }
            recordIndex(consistentIndex);
            return new Outcome<>(currentRev, error);
        });
        accepted.valueOrThrow();
        compactor.compact(rev, space.index().compact(rev));
        if (req.getPhysical()) {
            backend.commit();
        }
        return CompactionResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(currentRev))
                .build();
    }

    // ------------------------------------------------------------------ internals

    /**
     * Runs a read on a view at the current revisions, holding the compaction lock shared until
     * it is done, so compaction cannot remove what it reads.
     */
    private <T> T read(Function<SnapshotView, T> request) {
        compactionLock.readLock().lock();
        try {
            return request.apply(new SnapshotView(space, currentRev, compactRev));
        } finally {
            compactionLock.readLock().unlock();
        }
    }

    /**
     * Runs one write request in one backend write section: the request, then the consistent
     * index, then the new revision is published (if the request changed anything). An
     * {@link EtcdException} is rethrown after the section ends.
     */
    private <T> T write(long consistentIndex, Function<WriteTxn, T> request) {
        WriteTxn[] done = new WriteTxn[1];
        Outcome<T> outcome = backend.write(() -> {
            WriteTxn txn = new WriteTxn(space, currentRev, compactRev);
            T value = null;
            EtcdException error = null;
            try {
                value = request.apply(txn);
            } catch (EtcdException e) {
                if (txn.changed()) {
                    throw new IllegalStateException("request failed after changing the store", e);
                }
                error = e;
            }
            recordIndex(consistentIndex);
            if (txn.changed()) {
                tellLeases(txn);
                currentRev = txn.rev() + 1;
                done[0] = txn;
            }
            return new Outcome<>(value, error);
        });
        ChangeListener listener = changeListener;
        if (done[0] != null && listener.listening()) {
            listener.changed(currentRev, events(done[0], currentRev));
        }
        return outcome.valueOrThrow();
    }

    private void tellLeases(WriteTxn txn) {
        LeasedKeys tracker = leasedKeys;
        if (tracker == null) {
            return;
        }
        List<KeyValue> changes = txn.changes();
        for (int i = 0; i < changes.size(); i++) {
            if (txn.isDeletion(i)) {
                tracker.deleted(changes.get(i).getKey());
            } else {
                tracker.put(changes.get(i).getKey(), changes.get(i).getLease());
            }
        }
    }

    private static List<Event> events(WriteTxn txn, long rev) {
        List<KeyValue> changes = txn.changes();
        List<Event> events = new ArrayList<>(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            KeyValue kv = changes.get(i);
            events.add(txn.isDeletion(i)
                    ? Event.newBuilder().setType(Event.EventType.DELETE).setKv(kv.toBuilder().setModRevision(rev)).build()
                    : Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
        }
        return events;
    }

    /**
     * The changes from {@code fromRev} through {@code toRev} to the keys {@code wanted} accepts,
     * in revision order, read from the backend for watchers catching up (etcd's {@code
     * syncWatchers} read with {@code kvsToEvents}). Revisions at or below the compaction revision
     * are left out: compaction may have removed some of them. Thread-safe.
     */
    public History history(long fromRev, long toRev, Predicate<ByteString> wanted) {
        compactionLock.readLock().lock();
        try {
            long compacted = compactRev;
            List<Event> events = new ArrayList<>();
            long from = Math.max(fromRev, compacted + 1);
            if (from <= toRev) {
                space.keys().scan(new Revision(from, 0).toBytes(), new Revision(toRev + 1, 0).toBytes(), (k, v) -> {
                    Revision rev = Revision.fromBytes(k);
                    KeyValue kv = KeySpace.parse(v, rev);
                    if (wanted.test(kv.getKey())) {
                        events.add(Revision.isTombstone(k)
                                ? Event.newBuilder().setType(Event.EventType.DELETE)
                                        .setKv(kv.toBuilder().setModRevision(rev.main())).build()
                                : Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
                    }
                    return true;
                });
            }
            return new History(compacted, events);
        } finally {
            compactionLock.readLock().unlock();
        }
    }

    private void recordIndex(long consistentIndex) {
        if (consistentIndex != NO_INDEX) {
            backend.setConsistentIndex(consistentIndex);
        }
    }

    private void advanceCompactRev(long rev) {
        compactionLock.writeLock().lock();
        try {
            compactRev = rev;
        } finally {
            compactionLock.writeLock().unlock();
        }
    }

    /** The result of a write section, or the etcd error to throw once it has ended. */
    private record Outcome<T>(T value, EtcdException error) {
        T valueOrThrow() {
            if (error != null) {
                throw error;
            }
            return value;
        }
    }

    /**
     * etcd 3.4's HashKV ({@code HashByRev}): a CRC-32C over the key bucket's name and its
     * entries up to {@code revision} (0 for the current one): above the compaction revision every
     * entry; at or below it only the revisions a compaction at {@code revision} would keep (each
     * key's latest one up to there, unless a tombstone), whether or not the background compaction
     * has deleted the others yet; and, as etcd, every entry still stored when no key would keep
     * one. Members that applied the same log report the same hash, and it is etcd's own for the
     * same key bucket.
     *
     * @throws EtcdException {@code FUTURE_REV} after the current revision; {@code COMPACTED} at or
     *     below the compaction revision (etcd 3.4's bound; 3.5 moved it to below)
     */
    public HashKVResponse hashKV(HashKVRequest req) {
        long current = currentRev;
        long compacted = compactRev;
        long rev = req.getRevision();
        if (rev > current) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (rev > 0 && rev <= compacted) {
            throw EtcdError.COMPACTED.exception();
        }
        long upTo = rev == 0 ? current : rev;
        Set<Revision> kept = compacted > 0 ? space.index().keep(upTo) : Set.of();
        CRC32C crc = new CRC32C();
        crc.update(KeySpace.KEY_BUCKET.getBytes(StandardCharsets.UTF_8));
        space.keys().scan(new Revision(1, 0).toBytes(), new Revision(upTo + 1, 0).toBytes(), (k, v) -> {
            Revision r = Revision.fromBytes(k);
            if (r.main() > compacted || kept.isEmpty() || kept.contains(r)) {
                crc.update(k);
                crc.update(v);
            }
            return true;
        });
        return HashKVResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(current))
                .setHash((int) crc.getValue())
                .setCompactRevision(compacted)
                .build();
    }

    /**
     * etcd's {@code restore}: replays the key bucket in revision order into the index. A key's
     * first revision found is the oldest one compaction left, so it starts the key index with
     * the creation and version stored in it; a tombstone of a key not in the index is a leftover
     * of a compaction and is skipped.
     */
    private void restore() {
        long started = System.nanoTime();
        long finished = compactor.finished();
        long scheduled = compactor.scheduled();
        compactRev = finished;
        TreeIndex index = space.index();
        long[] lastRev = {1};
        long[] count = {0};
        space.keys().scan(new Revision(1, 0).toBytes(), null, (k, v) -> {
            Revision rev = Revision.fromBytes(k);
            boolean tombstone = Revision.isTombstone(k);
            KeyValue kv = KeySpace.parse(v, rev);
            lastRev[0] = rev.main();
            count[0]++;
            KeyIndex ki = index.keyIndex(kv.getKey());
            if (ki != null) {
                if (tombstone) {
                    ki.tombstone(rev.main(), rev.sub());
                } else {
                    ki.put(rev.main(), rev.sub());
                }
            } else if (!tombstone) {
                ki = new KeyIndex(kv.getKey());
                ki.restore(new Revision(kv.getCreateRevision(), 0), rev, kv.getVersion());
                index.insert(ki);
            }
            return true;
        });
        // a compaction may have removed every revision up to it
        currentRev = Math.max(lastRev[0], compactRev);
        LOG.info("restored {} revisions of {} keys in {} ms: revision {}, compacted at {}", count[0],
                index.size(), (System.nanoTime() - started) / 1_000_000, currentRev, compactRev);
        if (scheduled > compactRev) {
            LOG.info("resuming the compaction at revision {}", scheduled);
            advanceCompactRev(scheduled);
            compactor.compact(scheduled, index.compact(scheduled));
        }
    }

}
