package io.ketcd.testing.cluster;

import io.ketcd.api.service.MaintenanceService;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples the applied index of members every few milliseconds on a thread of its own, and
 * remembers whether any member's ever went back. Closing stops it.
 */
public final class AppliedIndexWatch implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean wentBack;

    public AppliedIndexWatch(List<MaintenanceService> members) {
        thread = new Thread(() -> sample(members), "applied-index-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample(List<MaintenanceService> members) {
        Map<MaintenanceService, Long> last = new HashMap<>();
        while (running) {
            for (MaintenanceService m : members) {
                try {
                    long applied = m.status().get(5, TimeUnit.SECONDS).getRaftAppliedIndex();
                    Long before = last.put(m, applied);
                    if (before != null && applied < before) {
                        wentBack = true;
                    }
                } catch (Exception e) {
                    // a status may time out during an election
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Stops sampling; returns whether an applied index ever went back. */
    public boolean stopAndReportWentBack() throws InterruptedException {
        close();
        return wentBack;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
