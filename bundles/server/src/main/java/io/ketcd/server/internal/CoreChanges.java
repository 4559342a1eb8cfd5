package io.ketcd.server.internal;

import io.ketcd.api.raft.RaftCore;

import java.util.function.BooleanSupplier;

/**
 * Where the raft core's comings and goings, announced by the DS threads that bind and unbind the
 * {@link RaftCore} service, wait for the raft loop to act on them between rounds. Only the latest
 * announcement counts: a core that comes and goes before the loop looks is never built.
 */
final class CoreChanges {
    private final Object lock = new Object();
    /** The core to build the next node from; null with {@link #pending} set when the core went away. */
    private RaftCore next;
    /** Set with {@link #next}, so a round needs no lock to see that nothing changed. */
    private volatile boolean pending;

    /** Announces {@code core} as the one to run on, or null: the core went away with no replacement. */
    void announce(RaftCore core) {
        synchronized (lock) {
            next = core;
            pending = true;
            lock.notifyAll();
        }
    }

    /** Whether a change was announced and not yet taken. */
    boolean pending() {
        return pending;
    }

    /** Takes the announced change: the core to change to, or null when the core went away. */
    RaftCore take() {
        synchronized (lock) {
            return takeLocked();
        }
    }

    /**
     * Waits until a core is announced, or {@code stopping} says so after a {@link #wake}; takes
     * and returns the core, or null when stopping.
     */
    RaftCore awaitCore(BooleanSupplier stopping) throws InterruptedException {
        synchronized (lock) {
            while (next == null && !stopping.getAsBoolean()) {
                lock.wait();
            }
            return takeLocked();
        }
    }

    /** Wakes a loop waiting in {@link #awaitCore}, to look at {@code stopping} again. */
    void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    private RaftCore takeLocked() {
        RaftCore core = next;
        next = null;
        pending = false;
        return core;
    }
}
