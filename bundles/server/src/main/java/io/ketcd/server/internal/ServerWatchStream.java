package io.ketcd.server.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

import io.ketcd.api.EtcdException;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.mvcc.WatchBatch;
import io.ketcd.mvcc.WatchRefusedException;
import io.ketcd.mvcc.WatchStream;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.WatchCancelRequest;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.mvccpb.KeyValue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
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
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's watch stream on this member (etcd's {@code serverWatchStream}): turns the
 * client's create, cancel and progress requests into watchers of an mvcc {@link WatchStream},
 * and its batches into etcd's responses: a header with this member's ids and term, the
 * previous key-values when asked, fragments when asked and too large, and the {@code created}
 * response of a watcher before any of its events.
 *
 * <p>Everything happens in one drain task on the shared executor, one at a time per stream:
 * requests, progress ticks and sending. So the stream's state needs no lock; other threads only
 * queue work and ask for a drain. Responses are sent only while the client is ready; control
 * responses (created, cancelled, progress) go before events. Requests are asked for one at a
 * time while fewer than {@value #CONTROL_BACKLOG} control responses wait, so a client that
 * sends without reading is held back by flow control.
 *
 * <p>When the client is behind, the batches queued for one watcher are sent as one response
 * (up to the response size limit), as etcd sends a watcher catching up from history: fewer,
 * larger responses for a client that reads slower than the member writes, and one response per
 * revision for one that keeps up.
 */
final class ServerWatchStream implements WatchSession {
    private static final Logger LOG = LoggerFactory.getLogger(ServerWatchStream.class);
    /** etcd's {@code ctrlStreamBufLen}. */
    static final int CONTROL_BACKLOG = 16;
    /** etcd's {@code clientv3.InvalidWatchID}. */
    private static final long INVALID_ID = -1;
    static final String PERMISSION_DENIED_REASON = "rpc error: code = PermissionDenied desc = "
            + EtcdError.PERMISSION_DENIED.message();
    private static final ByteString FIRST_KEY = ByteString.copyFrom(new byte[] {0});

    /** What the stream needs of its member. */
    interface Member {
        ResponseHeader header(long revision);

        /** The key-value {@code key} had at {@code revision}, or null (absent, or compacted away). */
        KeyValue valueAt(ByteString key, long revision);
    }

    /** What the stream keeps of one of its watchers. */
    private static final class WatcherOptions {
        long id;
        final boolean prevKv;
        final boolean fragment;
        final boolean progressNotify;
        /** No events since the last progress tick: the next tick sends a notice. */
        boolean progressDue = true;
        /** Its created response was sent; until then its responses wait in {@link #held}. */
        boolean announced;
        boolean cancelled;
        List<WatchResponse> held = new ArrayList<>(0);

        WatcherOptions(WatchCreateRequest c) {
            this.prevKv = c.getPrevKv();
            this.fragment = c.getFragment();
            this.progressNotify = c.getProgressNotify();
        }
    }

    /** A response waiting to be sent, and the watcher it is for (null: the stream's own). */
    private record Outgoing(WatcherOptions watcher, WatchResponse response) {
    }

    private final Member member;
    private final WatchClient client;
    private final Executor sender;
    private final int maxResponseBytes;
    private final WatchStream watchers;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

    // queued by other threads for the drain task
    private final Queue<WatchRequest> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean progressTickDue;
    private final AtomicInteger drainRequests = new AtomicInteger();
    private volatile boolean closed;
    /** Set when the member ends the stream; the drain task tells the client, after what was sent. */
    private volatile EtcdException endedWith;
    private volatile boolean ended;

    // touched only by the drain task, which runs one at a time; what it keeps per watcher is
    // attached to the watcher in the mvcc stream, so it needs no map of its own
    private final Set<WatcherOptions> progressNotified = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayDeque<Outgoing> control = new ArrayDeque<>();
    private final ArrayDeque<Outgoing> events = new ArrayDeque<>();
    private final List<WatchBatch> taken = new ArrayList<>();
    private boolean awaitingRequest;
    /** Whether the stream's caller may watch a create's range (auth). */
    private final Predicate<WatchCreateRequest> permitted;
    private boolean endSent;

    ServerWatchStream(Member member, WatchClient client, Executor sender, int maxResponseBytes,
                      Function<Runnable, WatchStream> streams, Predicate<WatchCreateRequest> permitted) {
        this.member = member;
        this.permitted = permitted;
        this.client = client;
        this.sender = sender;
        this.maxResponseBytes = maxResponseBytes;
        this.watchers = streams.apply(this::drainSoon);
    }

    /** Asks for the first request; called once the stream is registered. */
    void start() {
        drainSoon();
    }

    @Override
    public void request(WatchRequest request) {
        requests.add(request);
        drainSoon();
    }

    /** The progress tick (etcd's {@code progressTicker}): a notice for each idle watcher that asked for them. */
    void progressTick() {
        progressTickDue = true;
        drainSoon();
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
                    try {
                        drain();
                    } catch (RuntimeException e) {
                        failed(e);
                    }
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

    /**
     * A fault of this stream's own (a bug): the stream ends rather than stalls, with an error
     * the client retries on, re-watching from its last revision, as after a member stop.
     */
    private void failed(RuntimeException e) {
        LOG.error("watch stream failed; ending it so that its client watches again", e);
        endedWith = EtcdError.STOPPED.exception();
        ended = true;
        close();
        drain();
    }

    private void drain() {
        if (ended) {
            if (!endSent) {
                endSent = true;
                client.end(endedWith);
            }
            return;
        }
        if (closed) {
            return;
        }
        for (WatchRequest r = requests.poll(); r != null; r = requests.poll()) {
            awaitingRequest = false;
            handle(r);
        }
        if (progressTickDue) {
            progressTickDue = false;
            tick();
        }
        send();
        askForRequest();
    }

    private void handle(WatchRequest request) {
        switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(request.getCreateRequest());
            case CANCEL_REQUEST -> cancel(request.getCancelRequest());
            // etcd 3.4: one response for the whole stream, not tied to a watcher
            case PROGRESS_REQUEST -> control.add(new Outgoing(null, WatchResponse.newBuilder()
                    .setHeader(member.header(watchers.revision())).setWatchId(INVALID_ID).build()));
            default -> { } // etcd ignores a request it does not know, and so does the stream
        }
    }

    private void create(WatchCreateRequest c) {
        ByteString key = c.getKey().isEmpty() ? FIRST_KEY : c.getKey();
        long current = watchers.revision();
        long start = c.getStartRevision() == 0 ? current + 1 : c.getStartRevision();
        boolean noPut = c.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = c.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        WatchResponse.Builder created = WatchResponse.newBuilder().setHeader(member.header(current)).setCreated(true);
        if (!permitted.test(c)) {
            // etcd 3.4 puts the whole gRPC error text in the reason
            control.add(new Outgoing(null, created.setWatchId(INVALID_ID).setCanceled(true)
                    .setCancelReason(PERMISSION_DENIED_REASON).build()));
            return;
        }
        try {
            WatcherOptions w = new WatcherOptions(c);
            w.id = watchers.watch(c.getWatchId(), key, c.getRangeEnd(), start, noPut, noDelete, w);
            if (w.progressNotify) {
                progressNotified.add(w);
            }
            control.add(new Outgoing(w, created.setWatchId(w.id).build()));
        } catch (WatchRefusedException e) {
            control.add(new Outgoing(null,
                    created.setWatchId(INVALID_ID).setCanceled(true).setCancelReason(e.getMessage()).build()));
        }
    }

    private void cancel(WatchCancelRequest c) {
        long id = c.getWatchId();
        WatcherOptions w = (WatcherOptions) watchers.attachment(id);
        if (w != null) {
            // its responses not yet sent are dropped: none may follow the cancelled one
            w.cancelled = true;
            w.held = List.of();
            progressNotified.remove(w);
        }
        // a watcher ended by compaction is still the stream's until cancelled, as in etcd
        if (watchers.cancel(id)) {
            control.add(new Outgoing(null, WatchResponse.newBuilder()
                    .setHeader(member.header(watchers.revision())).setWatchId(id).setCanceled(true).build()));
        }
    }

    private void tick() {
        for (WatcherOptions w : progressNotified) {
            if (w.progressDue) {
                watchers.requestProgress(w.id);
            }
            w.progressDue = true;
        }
    }

    /** Asks the client for its next request unless enough control responses wait already. */
    private void askForRequest() {
        if (closed || awaitingRequest || control.size() >= CONTROL_BACKLOG) {
            return;
        }
        awaitingRequest = true;
        client.requestNext();
    }

    private void send() {
        while (client.isReady()) {
            Outgoing c = control.poll();
            if (c != null) {
                sendControl(c);
                continue;
            }
            Outgoing e = events.poll();
            if (e != null) {
                if (!e.watcher().cancelled) {
                    client.send(e.response());
                }
                continue;
            }
            if (watchers.pollAll(taken) == 0) {
                return;
            }
            toResponses(taken);
            taken.clear();
        }
    }

    private void sendControl(Outgoing c) {
        client.send(c.response());
        WatcherOptions w = c.watcher();
        if (w != null && !w.announced) {
            w.announced = true;
            w.held.forEach(client::send);
            w.held = List.of();
        }
    }

    /**
     * Turns batches, in queue order, into etcd's responses: the event batches of one watcher that
     * follow each other in its order (with no notice between them) become one response while it
     * stays under the size limit. Batches of watchers no longer on the stream are dropped.
     */
    private void toResponses(List<WatchBatch> batches) {
        List<Group> groups = new ArrayList<>(batches.size());
        Map<WatcherOptions, Group> growing = new IdentityHashMap<>();
        for (WatchBatch b : batches) {
            WatcherOptions w = (WatcherOptions) b.attachment();
            boolean withEvents = !b.events().isEmpty() && b.compactRevision() == 0;
            int bytes = withEvents ? eventBytes(b.events()) : 0;
            Group group = withEvents ? growing.get(w) : null;
            if (group == null || group.bytes + bytes >= maxResponseBytes) {
                group = new Group(w);
                groups.add(group);
                if (withEvents) {
                    growing.put(w, group);
                } else {
                    growing.remove(w);
                }
            }
            group.batches.add(b);
            group.bytes += bytes;
        }
        for (Group group : groups) {
            WatcherOptions w = group.watcher;
            WatchBatch last = group.batches.get(group.batches.size() - 1);
            if (w.cancelled) {
                continue;
            }
            if (!last.events().isEmpty()) {
                w.progressDue = false; // events make the next notice unnecessary
            }
            if (last.compactRevision() != 0) {
                progressNotified.remove(w); // ended: it gets nothing more
            }
            for (WatchResponse r : toResponses(w, group.batches)) {
                if (w.announced) {
                    events.add(new Outgoing(w, r));
                } else {
                    w.held.add(r);
                }
            }
        }
    }

    /** Batches of one watcher that go out as one response. */
    private static final class Group {
        final WatcherOptions watcher;
        final List<WatchBatch> batches = new ArrayList<>(1);
        int bytes;

        Group(WatcherOptions watcher) {
            this.watcher = watcher;
        }
    }

    private static int eventBytes(List<Event> events) {
        int n = 0;
        for (Event e : events) {
            n += eventSize(e);
        }
        return n;
    }

    /** What {@code e} adds to a response's serialized size. */
    private static int eventSize(Event e) {
        return CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
    }

    /** etcd's responses for one group of batches of watcher {@code w}. */
    private List<WatchResponse> toResponses(WatcherOptions w, List<WatchBatch> group) {
        WatchBatch last = group.get(group.size() - 1);
        WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(member.header(last.revision()))
                .setWatchId(last.watchId()).setCompactRevision(last.compactRevision())
                .setCanceled(last.compactRevision() != 0);
        for (WatchBatch b : group) {
            if (w.prevKv) {
                b.events().forEach(e -> r.addEvents(withPrevious(e)));
            } else {
                r.addAllEvents(b.events());
            }
        }
        WatchResponse whole = r.build();
        return w.fragment ? fragments(whole) : List.of(whole);
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
                int add = eventSize(e);
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
        synchronized (this) {
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
}
