package io.ketcd.grpc.internal;

import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.service.MaintenanceService;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code monitorLeader}: every election timeout, asks the member for its leader; after
 * {@value #MAX_NO_LEADER_COUNT} checks in a row without one, ends the streams whose clients
 * require a leader, so they can go to a member that has one. Reconnecting a stream costs more
 * than refusing a new one, hence the patience.
 */
final class LeaderMonitor implements AutoCloseable {
    /** etcd's {@code maxNoLeaderCnt}. */
    static final int MAX_NO_LEADER_COUNT = 3;

    private final MaintenanceService maintenance;
    private final StreamGuard streams;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-grpc-leader-monitor"));
    private int noLeaderCount;

    LeaderMonitor(MaintenanceService maintenance, StreamGuard streams, Duration electionTimeout) {
        this.maintenance = maintenance;
        this.streams = streams;
        long period = Math.max(1, electionTimeout.toMillis());
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        if (!streams.anyRequiringLeader()) {
            noLeaderCount = 0;
            return;
        }
        long leader;
        try {
            leader = maintenance.status().get(5, TimeUnit.SECONDS).getLeader();
        } catch (Exception e) {
            leader = 0; // a member that cannot tell is no better than one without a leader
        }
        noLeaderCount = leader == 0 ? noLeaderCount + 1 : 0;
        if (noLeaderCount >= MAX_NO_LEADER_COUNT) {
            streams.endRequiringLeader();
            noLeaderCount = 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
