package io.ketcd.api.raft;

/**
 * Thrown when the requested index is below the first available index (compacted into a
 * snapshot).
 */
public final class CompactedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CompactedException(String message) {
        super(message);
    }
}
