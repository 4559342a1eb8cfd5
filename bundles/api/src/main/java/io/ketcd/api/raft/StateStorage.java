package io.ketcd.api.raft;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The persisted hard state and membership, read once by a node when it is created.
 * Read-only from raft's side; implementations need not be thread-safe beyond the owner thread.
 */
@ConsumerType
public interface StateStorage {

    /** The last persisted hard state and the membership; never null. */
    InitialState initialState();
}
