package io.ketcd.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.RequestNesting;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.storage.Backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries, strictly in log order, recording each entry's index as the
 * backend's consistent index in the same backend write, and completes the waiter of each request
 * it applies (etcd's apply goroutine). Each request goes to the {@link RequestApplier} of its
 * kind ({@link KvApplier}, {@link MembershipApplier}); configuration changes go to the
 * membership applier.
 *
 * <p>Entries at or below the backend's consistent index are already in the backend (a restart
 * replays the log from the last snapshot); of those, only configuration changes are applied
 * again, to the raft node, which restarts knowing only the snapshot's configuration. Every
 * {@code snapshot-count} entries it asks the raft loop to take a snapshot, after committing the
 * backend so that the snapshot never gets ahead of the durable state.
 */
final class ApplyLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
    private static final Object STOP = new Object();

    /** What the apply loop needs from the rest of the member. */
    interface Effects {
        /** Applies a configuration change to the raft node and waits for it. */
        void applyToRaft(ConfChange cc);

        /** Takes a raft snapshot at {@code index}; the backend is durable there. */
        void snapshot(long index, io.ketcd.proto.raftpb.ConfState confState);

        /**
         * Tells the transport about a member added, removed or moved by {@code cc}, or about a
         * whole new membership when {@code cc} is null (a snapshot was installed).
         */
        void membershipChanged(ConfChange cc, Membership membership);

        /**
         * Closes {@code current} and opens in its place the backend received with the snapshot at
         * {@code index}.
         */
        Backend installSnapshotBackend(long index, Backend current) throws IOException;

        /** The state built from a snapshot is in place (before any entry after it applies). */
        void stateInstalled(AppliedState installed);

        /** This member was removed from the cluster. */
        void removedSelf();

        /**
         * A leader's empty entry, the first of its term, was applied: if this member is that
         * leader, everything of the previous terms is applied now (etcd promotes its lessor here).
         */
        default void termEntryApplied() {
        }
    }

    private final long memberId;
    private final CurrentState state;
    private final Waiters waiters;
    private final AppliedIndex appliedIndex;
    private final long snapshotCount;
    private final Consumer<Throwable> onFatal;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Effects effects;
    private volatile MembershipApplier membership;
    /** The applier of each request kind. */
    private final Map<InternalRaftRequest.RequestCase, RequestApplier> appliers =
            new EnumMap<>(InternalRaftRequest.RequestCase.class);
    private long snapshotIndex;

    ApplyLoop(long memberId, CurrentState state, Waiters waiters, AppliedIndex appliedIndex,
              long snapshotIndex, long snapshotCount, Consumer<Throwable> onFatal) {
        this.memberId = memberId;
        this.state = state;
        this.waiters = waiters;
        this.appliedIndex = appliedIndex;
        this.snapshotIndex = snapshotIndex;
        this.snapshotCount = snapshotCount;
        this.onFatal = onFatal;
    }

    /** Sets the loop's collaborators; before entries are enqueued. */
    void attach(Effects effects) {
        this.effects = effects;
        this.membership = new MembershipApplier(memberId, waiters, effects);
        for (RequestApplier applier : List.of(new KvApplier(), new LeaseApplier(), new AlarmApplier(), new AuthApplier(),
                membership)) {
            for (InternalRaftRequest.RequestCase kind : applier.requests()) {
                if (appliers.put(kind, applier) != null) {
                    throw new IllegalStateException("two appliers for " + kind);
                }
            }
        }
    }

    /** Hands over committed entries, in log order. */
    void enqueue(List<Entry> entries) {
        queue.add(entries);
    }

    /** Hands over a snapshot from the leader, in log order with the entries. */
    void enqueueSnapshot(Snapshot snapshot) {
        queue.add(snapshot);
    }

    /** Lets the loop finish what is queued and then return. */
    void stop() {
        queue.add(STOP);
    }

    @Override
    public void run() {
        try {
            while (true) {
                Object item = queue.take();
                if (item == STOP) {
                    return;
                }
                if (item instanceof Snapshot snap) {
                    install(snap);
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<Entry> entries = (List<Entry>) item;
                long last = appliedIndex.get();
                for (Entry e : entries) {
                    if (e.getIndex() <= last) {
                        if (e.getType() == io.ketcd.proto.raftpb.EntryType.EntryConfChange) {
                            membership.reapplyToRaft(confChange(e).orElse(MembershipApplier.NO_CHANGE));
                        }
                        continue;
                    }
                    apply(e);
                    last = e.getIndex();
                }
                appliedIndex.advance(last);
                maybeSnapshot(last);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (EtcdException e) {
            if (e.error() != EtcdError.STOPPED) {
                LOG.error("apply loop stopped: cannot apply a committed entry", e);
                onFatal.accept(e);
            }
        } catch (RuntimeException e) {
            LOG.error("apply loop stopped: cannot apply a committed entry", e);
            onFatal.accept(e);
        }
    }

    private void maybeSnapshot(long applied) {
        if (applied - snapshotIndex <= snapshotCount) {
            return;
        }
        AppliedState s = state.get();
        s.backend().commit();
        effects.snapshot(applied, s.membership().confState());
        snapshotIndex = applied;
    }

    private void install(Snapshot snap) {
        long index = snap.getMetadata().getIndex();
        if (index <= appliedIndex.get()) {
            LOG.info("ignoring a snapshot at index {}: already applied up to {}", index, appliedIndex.get());
            return;
        }
        try {
            AppliedState installed = state.replace(
                    previous -> AppliedState.on(effects.installSnapshotBackend(index, previous.backend()), previous.lessor(),
                            previous.tokens()));
            effects.stateInstalled(installed);
            Backend next = installed.backend();
            snapshotIndex = index;
            appliedIndex.advance(next.consistentIndex());
            effects.membershipChanged(null, installed.membership());
            LOG.info("installed the snapshot at index {} (backend at {})", index, next.consistentIndex());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the snapshot at index " + index, e);
        }
    }

    private void apply(Entry entry) {
        long index = entry.getIndex();
        AppliedState s = state.get();
        switch (entry.getType()) {
            case EntryConfChange -> {
                Optional<ConfChange> cc = confChange(entry);
                if (cc.isPresent()) {
                    membership.applyConfChange(s, cc.get(), index);
                } else {
                    membership.applyUndecodableConfChange(s, index);
                }
            }
            case EntryNormal -> {
                if (entry.getData().isEmpty()) {
                    markApplied(s.backend(), index); // a new leader's empty entry
                    effects.termEntryApplied();
                    return;
                }
                Optional<InternalRaftRequest> parsed = decode(entry, InternalRaftRequest.parser());
                if (parsed.isEmpty()) {
                    markApplied(s.backend(), index);
                    return;
                }
                InternalRaftRequest request = parsed.get();
                long id = request.getHeader().getId();
                RequestApplier applier = appliers.get(request.getRequestCase());
                try {
                    if (applier == null) {
                        throw EtcdError.NOT_SUPPORTED.exception();
                    }
                    waiters.complete(id, applier.apply(s, request, index));
                } catch (EtcdException e) {
                    // the request failed as a whole and changed nothing; the entry is still applied
                    markApplied(s.backend(), index);
                    waiters.fail(id, e);
                }
            }
            default -> {
                LOG.error("skipped the committed entry at index {}: ketcd does not apply entries of type {}", index, entry.getType());
                markApplied(s.backend(), index);
            }
        }
    }

    private static void markApplied(Backend backend, long index) {
        backend.write(() -> {
            backend.setConsistentIndex(index);
            return null;
        });
    }

    private static Optional<ConfChange> confChange(Entry entry) {
        return decode(entry, ConfChange.parser());
    }

    /**
     * The entry's payload, or empty if it does not decode. Such an entry can only come from a
     * bad peer's proposal or append: it is in every member's log at the same index, so each
     * member skips it alike, where failing would stop every member again at each restart.
     */
    private static <T> Optional<T> decode(Entry entry, com.google.protobuf.Parser<T> parser) {
        try {
            return Optional.of(RequestNesting.parseLogged(parser, entry.getData()));
        } catch (InvalidProtocolBufferException e) {
            LOG.error("skipped the committed {} at index {}: it does not decode ({})", entry.getType(), entry.getIndex(),
                    e.getMessage());
            return Optional.empty();
        }
    }
}
