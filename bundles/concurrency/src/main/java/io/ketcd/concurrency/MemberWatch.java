package io.ketcd.concurrency;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchService;
import io.ketcd.api.service.WatchSession;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watcher the recipes open on the member, as etcd's recipes open one through their client:
 * a stream of its own with one watcher, read as fast as the member sends (the recipes watch one
 * key or one election's keys, whose events are few). Responses arrive one at a time.
 */
final class MemberWatch implements WatchClient, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberWatch.class);

    /** Where the watcher's events go. */
    interface Events {
        /**
         * Events of one or more revisions of {@code watch}, in order; the {@code created}
         * response is not passed on.
         */
        void events(MemberWatch watch, WatchResponse response);

        /**
         * The watcher ended without being closed: its start revision was compacted, or the
         * member ended the stream ({@code error} is then the member's, or null).
         */
        void ended(EtcdException error);
    }

    private final Events events;
    private WatchSession session;
    private boolean over;

    private MemberWatch(Events events) {
        this.events = events;
    }

    /** Opens the watcher {@code create} on {@code watch}; its events go to {@code events}. */
    static MemberWatch open(WatchService watch, WatchCreateRequest create, Events events) {
        MemberWatch w = new MemberWatch(events);
        WatchSession session = watch.open(w);
        boolean endedWhileOpening;
        synchronized (w) {
            w.session = session;
            endedWhileOpening = w.over;
        }
        if (endedWhileOpening) {
            session.close();
            return w;
        }
        session.request(WatchRequest.newBuilder().setCreateRequest(create).build());
        return w;
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public void send(WatchResponse response) {
        if (response.getCanceled() || response.getCompactRevision() != 0) {
            // clientv3 turns a compacted start revision into ErrCompacted; any other cancel ends the watch
            end(response.getCompactRevision() != 0 ? EtcdError.COMPACTED.exception() : null);
        } else if (!response.getCreated() && response.getEventsCount() > 0 && !isOver()) {
            events.events(this, response);
        }
    }

    @Override
    public void requestNext() {
        // the one create request went with open; nothing more will be asked of the member
    }

    @Override
    public void end(EtcdException error) {
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
        }
        closeSession();
        events.ended(error);
    }

    /** Stops watching; no more calls reach {@link Events}. */
    @Override
    public void close() {
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
        }
        closeSession();
    }

    private synchronized boolean isOver() {
        return over;
    }

    private void closeSession() {
        WatchSession s;
        synchronized (this) {
            s = session;
        }
        if (s != null) {
            s.close();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("could not close a recipe's watch", e);
        }
    }
}
