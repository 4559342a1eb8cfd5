package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.proto.raftpb.Entry;
import io.ketcd.storage.Wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the log: it takes every proposal that arrived since its last round,
 * appends them as entries, persists the batch to the WAL with a single fsync, and hands the
 * now-committed entries to the apply loop. Batching is what makes durability cheap: one fsync
 * covers all requests that queued up while the previous one ran.
 */
final class RaftLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);
    /** Upper bound of entries per fsync, so one round never holds an unbounded batch. */
    static final int MAX_BATCH = 4096;

    private final SingleMemberLog log;
    private final Wal wal;
    private final BlockingQueue<ByteString> proposals;
    private final Consumer<List<Entry>> committed;
    private final Consumer<Throwable> onFatal;
    private volatile long committedIndex;
    private volatile long term;

    RaftLoop(SingleMemberLog log, Wal wal, int maxPendingProposals,
             Consumer<List<Entry>> committed, Consumer<Throwable> onFatal) {
        this.log = log;
        this.wal = wal;
        this.proposals = new LinkedBlockingQueue<>(maxPendingProposals);
        this.committed = committed;
        this.onFatal = onFatal;
        this.committedIndex = log.lastIndex();
        this.term = log.term();
    }

    /** Queues a proposal; false when too many are pending (the caller answers "too many requests"). */
    boolean propose(ByteString request) {
        return proposals.offer(request);
    }

    /** The index up to which entries are durable and therefore committed: a read index. */
    long committedIndex() {
        return committedIndex;
    }

    long term() {
        return term;
    }

    /** Persists entries built before the loop starts (bootstrap, election) on the caller's thread. */
    void persistAndCommit(List<Entry> entries) {
        try {
            wal.save(log.hardState(), entries);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to persist to the WAL", e);
        }
        committedIndex = log.lastIndex();
        term = log.term();
        if (!entries.isEmpty()) {
            committed.accept(entries);
        }
    }

    @Override
    public void run() {
        List<ByteString> batch = new ArrayList<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                batch.add(proposals.take());
                proposals.drainTo(batch, MAX_BATCH - 1);
                persistAndCommit(log.append(batch));
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // etcd panics when the WAL cannot be written: nothing later may be acknowledged.
            LOG.error("raft loop stopped: cannot persist entries", e);
            onFatal.accept(e);
        }
    }
}
