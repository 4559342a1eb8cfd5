package io.ketcd.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.KvStore;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.storage.Backend;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries, strictly in log order, to the key-value store and the membership,
 * recording each entry's index as the backend's consistent index in the same backend write, and
 * completes the waiter of each request it applies.
 */
final class ApplyLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
    private static final List<Entry> STOP = List.of();

    private final Backend backend;
    private final KvStore kv;
    private final Membership membership;
    private final Waiters waiters;
    private final AppliedIndex appliedIndex;
    private final Consumer<Throwable> onFatal;
    private final BlockingQueue<List<Entry>> committed = new LinkedBlockingQueue<>();

    ApplyLoop(Backend backend, KvStore kv, Membership membership, Waiters waiters,
              AppliedIndex appliedIndex, Consumer<Throwable> onFatal) {
        this.backend = backend;
        this.kv = kv;
        this.membership = membership;
        this.waiters = waiters;
        this.appliedIndex = appliedIndex;
        this.onFatal = onFatal;
    }

    /** Hands over committed entries, in log order. */
    void enqueue(List<Entry> entries) {
        committed.add(entries);
    }

    /** Lets the loop finish what is queued and then return. */
    void stop() {
        committed.add(STOP);
    }

    @Override
    public void run() {
        try {
            while (true) {
                List<Entry> entries = committed.take();
                if (entries == STOP) {
                    return;
                }
                long last = appliedIndex.get();
                for (Entry e : entries) {
                    if (e.getIndex() <= last) {
                        continue; // already in the backend: replayed from before its consistent index
                    }
                    apply(e);
                    last = e.getIndex();
                }
                appliedIndex.advance(last);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("apply loop stopped: cannot apply a committed entry", e);
            onFatal.accept(e);
        }
    }

    private void apply(Entry entry) {
        long index = entry.getIndex();
        switch (entry.getType()) {
            case EntryConfChange -> {
                ConfChange cc = parse(entry, ConfChange.parser());
                backend.write(() -> {
                    membership.put(Membership.parse(cc.getContext(), "the configuration change at index " + index));
                    backend.setConsistentIndex(index);
                    return null;
                });
            }
            case EntryNormal -> {
                if (entry.getData().isEmpty()) {
                    markApplied(index); // a new leader's empty entry
                    return;
                }
                InternalRaftRequest request = parse(entry, InternalRaftRequest.parser());
                long id = request.getHeader().getId();
                try {
                    waiters.complete(id, applyRequest(request, index));
                } catch (EtcdException e) {
                    // the request failed as a whole and changed nothing; the entry is still applied
                    markApplied(index);
                    waiters.fail(id, e);
                }
            }
            default -> throw new IllegalStateException("unsupported entry type " + entry.getType() + " at index " + index);
        }
    }

    private Object applyRequest(InternalRaftRequest r, long index) {
        return switch (r.getRequestCase()) {
            case PUT -> kv.put(r.getPut(), index);
            case DELETE_RANGE -> kv.deleteRange(r.getDeleteRange(), index);
            case TXN -> kv.txn(r.getTxn(), index);
            case COMPACTION -> kv.compact(r.getCompaction(), index);
            default -> throw EtcdError.NOT_SUPPORTED.exception();
        };
    }

    private void markApplied(long index) {
        backend.write(() -> {
            backend.setConsistentIndex(index);
            return null;
        });
    }

    private static <T> T parse(Entry entry, com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(entry.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt entry at index " + entry.getIndex(), e);
        }
    }
}
