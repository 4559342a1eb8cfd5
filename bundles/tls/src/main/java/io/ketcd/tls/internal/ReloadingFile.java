package io.ketcd.tls.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value read from files and read again when any of them changes ({@link FileStamp}): a
 * certificate and its key, a CA bundle, a CRL. Each call of {@link #current()} stats the files
 * (a few system calls, cheap enough for once per handshake), so a rotated file is in force for
 * the next connection.
 *
 * <p>A version that does not load (a half-written file during rotation, a key that does not
 * match its certificate yet) keeps the last good value in force and is logged once; it is tried
 * again only when the files change again. Thread-safe: readers never block each other, a reload
 * happens under the lock.
 *
 * @param <T> the immutable value the files hold
 */
public final class ReloadingFile<T> {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingFile.class);

    /** Reads the value from the files, all at once. */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws Exception;
    }

    private final String what;
    private final List<Path> paths;
    private final Loader<T> loader;
    private final OnceLogger warnings;
    /** The stamps last tried, loaded or not; guarded by {@code this} for writes. */
    private volatile List<FileStamp> tried;
    /** The last value that loaded; never null. */
    private volatile T current;

    /**
     * Loads the value for the first time.
     *
     * @param what names the value in messages, e.g. {@code peer certificate /etc/etcd/peer.crt}
     * @throws IllegalArgumentException when the files cannot be loaded now: a start with broken
     *     TLS files fails, as etcd's does
     */
    public ReloadingFile(String what, List<Path> paths, Loader<T> loader, OnceLogger warnings) {
        this.what = what;
        this.paths = List.copyOf(paths);
        this.loader = loader;
        this.warnings = warnings;
        this.tried = stamps();
        try {
            this.current = Objects.requireNonNull(loader.load());
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot load " + what + ": " + e.getMessage(), e);
        }
    }

    /** The value of the files as they are now, or the last good one if they do not load. */
    public T current() {
        List<FileStamp> now = stamps();
        if (!now.equals(tried)) {
            reload(now);
        }
        return current;
    }

    private synchronized void reload(List<FileStamp> now) {
        if (now.equals(tried)) {
            return;
        }
        tried = now;
        try {
            current = Objects.requireNonNull(loader.load());
            LOG.info("reloaded {}", what);
        } catch (Exception e) {
            warnings.warn("cannot reload " + what + ", keeping the last good version: " + e.getMessage());
        }
    }

    private List<FileStamp> stamps() {
        return paths.stream().map(FileStamp::of).toList();
    }
}
