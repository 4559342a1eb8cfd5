package io.ketcd.concurrency;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdException;
import io.ketcd.api.KeyRanges;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.v3electionpb.LeaderResponse;

/**
 * One Observe of an election, as clientv3's {@code Election.observe} runs it: read the leader (or,
 * when there is none, watch the election's keys for the first put), tell the observer, then watch
 * the leader's key from the next revision, telling each put, until it is deleted; then again.
 * Each step starts when the one before it completes, so the observer hears from one thread at a
 * time. A failed read or a watch that ends ends the observation (etcd closes the stream then).
 */
final class LeaderObservation implements AutoCloseable {
    private final Recipes recipes;
    private final ByteString prefix;
    private final LeaderObserver observer;
    private boolean closed;
    private MemberWatch watching;

    private LeaderObservation(Recipes recipes, ByteString prefix, LeaderObserver observer) {
        this.recipes = recipes;
        this.prefix = prefix;
        this.observer = observer;
    }

    static LeaderObservation start(Recipes recipes, ByteString prefix, LeaderObserver observer) {
        LeaderObservation o = new LeaderObservation(recipes, prefix, observer);
        o.readLeader();
        return o;
    }

    private void readLeader() {
        if (isClosed()) {
            return;
        }
        recipes.kv.range(Recipes.firstCreated(prefix)).whenComplete((found, failure) -> {
            if (failure != null) {
                end();
            } else if (found.getKvsCount() == 0) {
                awaitFirstCandidate(found.getHeader().getRevision());
            } else {
                leads(LeaderResponse.newBuilder().setHeader(found.getHeader()).setKv(found.getKvs(0)).build());
            }
        });
    }

    /** No leader: the first put under the prefix from {@code revision} on is the leader. */
    private void awaitFirstCandidate(long revision) {
        watch(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(KeyRanges.prefixEnd(prefix))
                .setStartRevision(revision).build(), (w, response) -> {
                    for (Event e : response.getEventsList()) {
                        if (e.getType() == Event.EventType.PUT) {
                            w.close();
                            // as the Election does, the header's revision is the leader's put, not the response's last
                            KeyValue kv = e.getKv();
                            leads(LeaderResponse.newBuilder()
                                    .setHeader(response.getHeader().toBuilder().setRevision(kv.getModRevision()))
                                    .setKv(kv).build());
                            return;
                        }
                    }
                });
    }

    /** Tells the observer of {@code leader}, then follows its key until it is deleted. */
    private void leads(LeaderResponse leader) {
        if (isClosed()) {
            return;
        }
        observer.leader(leader);
        watch(WatchCreateRequest.newBuilder().setKey(leader.getKv().getKey())
                .setStartRevision(leader.getHeader().getRevision() + 1).build(), (w, response) -> {
                    for (Event e : response.getEventsList()) {
                        if (e.getType() == Event.EventType.DELETE) {
                            w.close();
                            readLeader();
                            return;
                        }
                        if (!isClosed()) {
                            observer.leader(LeaderResponse.newBuilder().setHeader(response.getHeader())
                                    .setKv(e.getKv()).build());
                        }
                    }
                });
    }

    /** What to do with each response of a watch; it may close the watch to go on to the next step. */
    private interface Step {
        void accept(MemberWatch watch, WatchResponse response);
    }

    private void watch(WatchCreateRequest create, Step step) {
        MemberWatch w = MemberWatch.open(recipes.watch, create, new MemberWatch.Events() {
            @Override
            public void events(MemberWatch watch, WatchResponse response) {
                step.accept(watch, response);
            }

            @Override
            public void ended(EtcdException error) {
                end();
            }
        });
        boolean closeNow;
        synchronized (this) {
            closeNow = closed;
            watching = w;
        }
        if (closeNow) {
            w.close();
        }
    }

    private void end() {
        if (!isClosed()) {
            close();
            observer.end();
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        MemberWatch w;
        synchronized (this) {
            closed = true;
            w = watching;
            watching = null;
        }
        MemberWatch.closeQuietly(w);
    }
}
