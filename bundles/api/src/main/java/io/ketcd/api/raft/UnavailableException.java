package io.ketcd.api.raft;

/**
 * Thrown when the requested index is above the last index of the log.
 */
public final class UnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(message);
    }
}
