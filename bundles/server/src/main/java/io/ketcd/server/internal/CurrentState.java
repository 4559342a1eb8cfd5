package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.Member;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The applied state in use, and the lock that lets the apply loop replace it (a snapshot from the
 * leader) while no read is running on the old one, whose backend is then closed.
 */
final class CurrentState {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile AppliedState state;

    CurrentState(AppliedState initial) {
        this.state = initial;
    }

    /**
     * The state now, without the lock: for the apply loop, the only thread that replaces it, and
     * for what reads only the state's in-memory parts (the auth store, the tokens).
     */
    AppliedState get() {
        return state;
    }

    /** Runs a read against the current state; a replacement waits for it to finish. */
    <T> T read(Function<AppliedState, T> read) {
        lock.readLock().lock();
        try {
            return read.apply(state);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The members as applied so far. */
    List<Member> members() {
        return read(s -> s.membership().list());
    }

    /** Builds the next state from the previous one. */
    interface Installer {
        /** Closes what {@code previous} holds and returns its replacement. */
        AppliedState install(AppliedState previous) throws IOException;
    }

    /**
     * Replaces the state once running reads are done; reads wait until the replacement is in
     * place, so none runs on a closed backend.
     */
    AppliedState replace(Installer installer) throws IOException {
        lock.writeLock().lock();
        try {
            state = installer.install(state);
            return state;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
