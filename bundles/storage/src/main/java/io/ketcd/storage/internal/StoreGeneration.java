package io.ketcd.storage.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.h2.mvstore.MVStore;

/**
 * One MVStore file a backend has used, with the readers still inside it. Defragmenting replaces
 * the backend's store by a rewritten copy; the old one is retired but stays open until its last
 * reader (a bucket read that began before the swap, an open snapshot, an fsync in flight) leaves,
 * and is closed then. Its file has been renamed over by then, so closing only frees the space.
 *
 * <p>A reader calls {@link #enter} before touching the store and {@link #exit} after. The counter
 * is a {@link LongAdder} so that concurrent reads on several cores do not contend on one word.
 * Correctness needs only that {@link #retire} sets the flag before it sums the readers and
 * {@link #enter} counts itself before it reads the flag: then either the reader sees the flag and
 * backs off, or the sum sees the reader.
 */
public final class StoreGeneration {

    private final MVStore store;
    private final LongAdder readers = new LongAdder();
    private volatile boolean retired;
    private final AtomicBoolean released = new AtomicBoolean();

    public StoreGeneration(MVStore store) {
        this.store = store;
    }

    public MVStore store() {
        return store;
    }

    /** Counts the caller in; false, counting nothing, once the generation is retired. */
    public boolean enter() {
        readers.increment();
        if (retired) {
            exit();
            return false;
        }
        return true;
    }

    public void exit() {
        readers.decrement();
        if (retired) {
            closeIfUnused();
        }
    }

    /** No new reader gets in; the store closes once the readers inside have left. */
    public void retire() {
        retired = true;
        closeIfUnused();
    }

    /** True once the store is closed. */
    public boolean released() {
        return released.get();
    }

    /** Closes the store now, readers or not (the backend is closing). */
    public void release() {
        retired = true;
        if (released.compareAndSet(false, true) && !store.isClosed()) {
            store.closeImmediately();
        }
    }

    private void closeIfUnused() {
        if (readers.sum() == 0) {
            release();
        }
    }
}
