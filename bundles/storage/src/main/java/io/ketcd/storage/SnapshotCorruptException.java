package io.ketcd.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot file fails its checks: cut short, CRC mismatch, unparseable, or holding another
 * snapshot than its name says. {@link Snapshotter#loadNewest} renames such a file to
 * {@code .broken} and falls back to an older one.
 */
public final class SnapshotCorruptException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SnapshotCorruptException(Path file, String reason) {
        super("snapshot file " + file + " is corrupt: " + reason);
        this.file = file;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }
}
