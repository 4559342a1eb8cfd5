package io.ketcd.api.concurrent;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads named {@code <prefix>-<n>}, {@code n} counting from 1 per factory, so that a
 * thread dump tells which component owns each thread (every ketcd thread starts with {@code
 * ketcd-}). Daemon, because every owner stops its threads itself when it closes; a thread it
 * missed must not keep the JVM (or an embedding application) alive.
 *
 * <p>Thread-safe: one factory may serve several executors at once.
 */
public final class NamedThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger created = new AtomicInteger();

    /** @param prefix the start of every thread's name, e.g. {@code ketcd-raft} */
    public NamedThreads(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** A new, unstarted daemon thread that runs {@code task}. */
    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + created.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
