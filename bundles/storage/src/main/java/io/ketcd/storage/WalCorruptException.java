package io.ketcd.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A WAL file holds a record that is damaged and is not the last one, so it cannot be a torn
 * write and repairing it would drop acknowledged data. Startup must stop; an operator decides
 * (restore the member from a peer, or truncate by hand).
 */
public final class WalCorruptException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public WalCorruptException(Path file, long offset, String reason) {
        super("WAL file " + file + " is corrupt at byte offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    /** The segment file holding the damaged record. */
    public Path file() {
        return file;
    }

    /** Byte offset in {@link #file()} where the damaged record's frame starts. */
    public long offset() {
        return offset;
    }
}
