package io.ketcd.grpc.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * etcd's stream interceptor for the long-lived streams (Watch, LeaseKeepAlive): a learner
 * refuses them ("rpc not supported for learner"); a stream whose client requires a leader
 * ({@link RequireLeader}) is refused while the member knows none, and ended when {@link
 * LeaderMonitor} finds it has known none for a while. It also ends every open stream when the
 * gRPC server closes, rather than letting them outlive the grace period for calls in flight.
 */
final class StreamGuard {
    private final MaintenanceService maintenance;
    private final Set<Open> open = ConcurrentHashMap.newKeySet();

    /** An open stream and how to end it. */
    final class Open {
        private final boolean requiresLeader;
        private final Consumer<EtcdException> end;

        private Open(boolean requiresLeader, Consumer<EtcdException> end) {
            this.requiresLeader = requiresLeader;
            this.end = end;
        }

        /** The stream ended on its own: forget it. */
        void closed() {
            open.remove(this);
        }
    }

    StreamGuard(MaintenanceService maintenance) {
        this.maintenance = maintenance;
    }

    /** Why etcd would refuse a stream now, or null; {@code requiresLeader} is the client's wish. */
    EtcdException refusal(boolean requiresLeader) {
        StatusResponse status;
        try {
            status = maintenance.status().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null; // the member answers the stream itself, with its own error
        }
        if (status.getIsLearner()) {
            return EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception();
        }
        if (requiresLeader && status.getLeader() == 0) {
            return EtcdError.NO_LEADER.exception();
        }
        return null;
    }

    /** Tracks an accepted stream; {@code end} ends it with an error, once, from any thread. */
    Open opened(boolean requiresLeader, Consumer<EtcdException> end) {
        Open o = new Open(requiresLeader, end);
        open.add(o);
        return o;
    }

    boolean anyRequiringLeader() {
        return open.stream().anyMatch(o -> o.requiresLeader);
    }

    /** Ends the streams whose clients require a leader: the member has had none for too long. */
    void endRequiringLeader() {
        for (Open o : List.copyOf(open)) {
            if (o.requiresLeader) {
                end(o, EtcdError.NO_LEADER.exception());
            }
        }
    }

    /** Ends every open stream with {@code error}: the gRPC server is closing. */
    void endAll(EtcdException error) {
        List.copyOf(open).forEach(o -> end(o, error));
    }

    private void end(Open o, EtcdException error) {
        if (open.remove(o)) {
            o.end.accept(error);
        }
    }
}
