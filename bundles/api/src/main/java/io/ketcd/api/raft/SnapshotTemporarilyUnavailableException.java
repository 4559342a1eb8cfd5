package io.ketcd.api.raft;

/**
 * Thrown when the storage is still producing a snapshot; the caller retries later.
 */
public final class SnapshotTemporarilyUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SnapshotTemporarilyUnavailableException(String message) {
        super(message);
    }
}
