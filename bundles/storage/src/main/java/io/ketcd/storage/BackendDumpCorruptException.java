package io.ketcd.storage;

import java.io.IOException;

/**
 * A backend dump (see {@link BackendSnapshot#writeTo}) is cut short or damaged: a bad header, a
 * chunk failing its CRC, a record that does not parse, or a trailer that does not match what
 * came before it. {@link MvStoreBackend#restore} throws it after removing its temporary file, so
 * nothing of the dump is left on disk; the sender should be asked for the snapshot again.
 */
public final class BackendDumpCorruptException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    public BackendDumpCorruptException(long offset, String reason) {
        super("backend dump is corrupt at byte offset " + offset + ": " + reason);
        this.offset = offset;
    }

    /**
     * Byte offset in the dump of the damage: where the failing header, chunk or record starts,
     * or the end of the stream for a dump cut short.
     */
    public long offset() {
        return offset;
    }
}
