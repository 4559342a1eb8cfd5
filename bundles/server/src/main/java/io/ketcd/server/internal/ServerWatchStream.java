package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdException;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.mvcc.WatchBatch;
import io.ketcd.mvcc.WatchRefusedException;
import io.ketcd.mvcc.WatchStream;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.WatchCancelRequest;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.mvccpb.KeyValue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One client's watch stream on this member (etcd's {@code serverWatchStream}): turns the
 * client's create, cancel and progress requests into watchers of an mvcc {@link WatchStream},
 * and its batches into etcd's responses: a header with this member's ids and term, the
 * previous key-values when asked, fragments when asked and too large, and the {@code created}
 * response of a watcher before any of its events.
 *
 * <p>Responses are sent by a drain task on the shared executor, one at a time per stream, only
 * while the client is ready; control responses (created, cancelled, progress) go before events.
 * Requests are asked for one at a time while fewer than {@value #CONTROL_BACKLOG} control
 * responses wait, so a client that sends without reading is held back by flow control.
 */
final class ServerWatchStream implements WatchSession {
    /** etcd's {@code ctrlStreamBufLen}. */
    static final int CONTROL_BACKLOG = 16;
    /** etcd's {@code clientv3.InvalidWatchID}. */
    private static final long INVALID_ID = -1;
    private static final ByteString FIRST_KEY = ByteString.copyFrom(new byte[] {0});

    /** What the stream needs of its member. */
    interface Member {
        ResponseHeader header(long revision);

        /** The key-value {@code key} had at {@code revision}, or null (absent, or compacted away). */
        KeyValue valueAt(ByteString key, long revision);
    }

    private final Member member;
    private final WatchClient client;
    private final Executor sender;
    private final int maxResponseBytes;
    private final WatchStream watchers;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

    private final Queue<WatchResponse> control = new ConcurrentLinkedQueue<>();
    private final AtomicInteger drainRequests = new AtomicInteger();
    private final Object lock = new Object();
    // guarded by lock
    private final Set<Long> prevKv = new HashSet<>();
    private final Set<Long> fragment = new HashSet<>();
    /** Watchers with progress_notify, and whether they are due a notice (no events since the last tick). */
    private final Map<Long, Boolean> progress = new HashMap<>();
    /** Watchers whose created response is queued, not yet sent: their events wait. */
    private final Map<Long, List<WatchResponse>> announcing = new HashMap<>();
    /** Watchers whose created response was sent. */
    private final Set<Long> announced = new HashSet<>();
    private boolean awaitingRequest;
    private boolean closed;
    /** Set when the member ends the stream; the drain task tells the client, after what was sent. */
    private volatile EtcdException endedWith;
    private volatile boolean ended;
    /** Touched only by the drain task, which runs one at a time. */
    private boolean endSent;

    ServerWatchStream(Member member, WatchClient client, Executor sender, int maxResponseBytes,
                      Function<Runnable, WatchStream> streams) {
        this.member = member;
        this.client = client;
        this.sender = sender;
        this.maxResponseBytes = maxResponseBytes;
        this.watchers = streams.apply(this::drainSoon);
    }

    /** Asks for the first request; called once the stream is registered. */
    void start() {
        askForRequest();
    }

    @Override
    public void request(WatchRequest request) {
        synchronized (lock) {
            awaitingRequest = false;
            if (closed) {
                return;
            }
            switch (request.getRequestUnionCase()) {
                case CREATE_REQUEST -> create(request.getCreateRequest());
                case CANCEL_REQUEST -> cancel(request.getCancelRequest());
                // etcd 3.4: one response for the whole stream, not tied to a watcher
                case PROGRESS_REQUEST -> control.add(WatchResponse.newBuilder()
                        .setHeader(member.header(watchers.revision())).setWatchId(INVALID_ID).build());
                default -> { } // etcd ignores a request it does not know, and so does the stream
            }
        }
        drainSoon();
        askForRequest();
    }

    private void create(WatchCreateRequest c) {
        ByteString key = c.getKey().isEmpty() ? FIRST_KEY : c.getKey();
        long current = watchers.revision();
        long start = c.getStartRevision() == 0 ? current + 1 : c.getStartRevision();
        boolean noPut = c.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = c.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        WatchResponse.Builder created = WatchResponse.newBuilder().setHeader(member.header(current)).setCreated(true);
        try {
            long id = watchers.watch(c.getWatchId(), key, c.getRangeEnd(), start, noPut, noDelete);
            if (c.getProgressNotify()) {
                progress.put(id, true);
            }
            if (c.getPrevKv()) {
                prevKv.add(id);
            }
            if (c.getFragment()) {
                fragment.add(id);
            }
            announcing.put(id, new ArrayList<>(0));
            control.add(created.setWatchId(id).build());
        } catch (WatchRefusedException e) {
            control.add(created.setWatchId(INVALID_ID).setCanceled(true).setCancelReason(e.getMessage()).build());
        }
    }

    private void cancel(WatchCancelRequest c) {
        long id = c.getWatchId();
        if (watchers.cancel(id)) {
            forget(id);
            control.add(WatchResponse.newBuilder().setHeader(member.header(watchers.revision())).setWatchId(id)
                    .setCanceled(true).build());
        }
    }

    private void forget(long id) {
        progress.remove(id);
        prevKv.remove(id);
        fragment.remove(id);
        announcing.remove(id);
        announced.remove(id);
    }

    /** Asks the client for its next request unless enough control responses wait already. */
    private void askForRequest() {
        synchronized (lock) {
            if (closed || awaitingRequest || control.size() >= CONTROL_BACKLOG) {
                return;
            }
            awaitingRequest = true;
        }
        client.requestNext();
    }

    /** The progress tick (etcd's {@code progressTicker}): a notice for each idle watcher that asked for them. */
    void progressTick() {
        List<Long> due = new ArrayList<>();
        synchronized (lock) {
            for (Map.Entry<Long, Boolean> e : progress.entrySet()) {
                if (e.getValue()) {
                    due.add(e.getKey());
                }
                e.setValue(true);
            }
        }
        due.forEach(watchers::requestProgress);
    }

    @Override
    public void clientReady() {
        drainSoon();
    }

    /** Runs {@link #drain} on the sender, once for any number of calls made while it runs. */
    private void drainSoon() {
        if (drainRequests.getAndIncrement() == 0) {
            Runnable drainAll = () -> {
                int seen = 1;
                do {
                    drain();
                    seen = drainRequests.addAndGet(-seen);
                } while (seen != 0);
            };
            try {
                sender.execute(drainAll);
            } catch (RejectedExecutionException e) {
                // the member is stopping: this caller owns the drain now, and it only ends the stream
                drainAll.run();
            }
        }
    }

    private void drain() {
        if (ended) {
            if (!endSent) {
                endSent = true;
                client.end(endedWith);
            }
            return;
        }
        while (client.isReady()) {
            WatchResponse c = control.poll();
            if (c != null) {
                sendControl(c);
                continue;
            }
            WatchBatch b = watchers.poll();
            if (b == null) {
                break;
            }
            List<WatchResponse> out = toResponses(b);
            if (out != null) {
                out.forEach(client::send);
            }
        }
        askForRequest();
    }

    private void sendControl(WatchResponse c) {
        List<WatchResponse> held = List.of();
        synchronized (lock) {
            if (c.getCreated() && !c.getCanceled()) {
                held = announcing.remove(c.getWatchId());
                if (held == null) {
                    return; // cancelled before its creation was announced
                }
                announced.add(c.getWatchId());
            }
        }
        client.send(c);
        held.forEach(client::send);
    }

    /**
     * etcd's responses for one batch, or null when they wait for the watcher's created response
     * or belong to a watcher no longer on the stream.
     */
    private List<WatchResponse> toResponses(WatchBatch b) {
        boolean withPrevKv;
        boolean fragmented;
        synchronized (lock) {
            withPrevKv = prevKv.contains(b.watchId());
            fragmented = fragment.contains(b.watchId());
            if (!b.events().isEmpty() && progress.containsKey(b.watchId())) {
                progress.put(b.watchId(), false); // events make the next notice unnecessary
            }
        }
        WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(member.header(b.revision()))
                .setWatchId(b.watchId()).setCompactRevision(b.compactRevision())
                .setCanceled(b.compactRevision() != 0);
        for (Event e : b.events()) {
            r.addEvents(withPrevKv ? withPrevious(e) : e);
        }
        WatchResponse whole = r.build();
        List<WatchResponse> out = fragmented ? fragments(whole) : List.of(whole);
        synchronized (lock) {
            List<WatchResponse> waiting = announcing.get(b.watchId());
            if (waiting != null) {
                waiting.addAll(out);
                return null;
            }
            if (!announced.contains(b.watchId())) {
                return null;
            }
            if (b.compactRevision() != 0) {
                forget(b.watchId());
            }
        }
        return out;
    }

    /** The event with the key's previous value (etcd: read at the revision before, skipped for a creation). */
    private Event withPrevious(Event e) {
        KeyValue kv = e.getKv();
        boolean creation = e.getType() == Event.EventType.PUT && kv.getCreateRevision() == kv.getModRevision();
        if (creation) {
            return e;
        }
        KeyValue prev = member.valueAt(kv.getKey(), kv.getModRevision() - 1);
        return prev == null ? e : e.toBuilder().setPrevKv(prev).build();
    }

    /**
     * etcd's {@code sendFragments}: a response at or above the limit with more than one event is
     * split into responses marked {@code fragment}, the last one unmarked; each holds as many
     * events as fit, at least one.
     */
    private List<WatchResponse> fragments(WatchResponse whole) {
        if (whole.getSerializedSize() < maxResponseBytes || whole.getEventsCount() < 2) {
            return List.of(whole);
        }
        List<WatchResponse> out = new ArrayList<>();
        WatchResponse.Builder empty = whole.toBuilder().clearEvents().setFragment(true);
        ArrayDeque<Event> left = new ArrayDeque<>(whole.getEventsList());
        while (!left.isEmpty()) {
            WatchResponse.Builder cur = empty.clone();
            int size = cur.build().getSerializedSize();
            while (!left.isEmpty()) {
                Event e = left.peek();
                int add = com.google.protobuf.CodedOutputStream.computeMessageSize(
                        WatchResponse.EVENTS_FIELD_NUMBER, e);
                if (cur.getEventsCount() > 0 && size + add >= maxResponseBytes) {
                    break;
                }
                cur.addEvents(left.poll());
                size += add;
            }
            if (left.isEmpty()) {
                cur.setFragment(false);
            }
            out.add(cur.build());
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        watchers.close();
        onClose.forEach(Runnable::run);
    }

    /** Runs {@code action} when the stream closes, from either side. */
    void onClose(Runnable action) {
        onClose.add(action);
    }

    /** Ends the stream from the member's side (it stops): the client gets {@code error}. */
    void end(EtcdException error) {
        endedWith = error;
        ended = true;
        close();
        drainSoon();
    }


    boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }
}
