package io.ketcd.api.raft;

import org.osgi.annotation.versioning.ConsumerType;

/** The durable state a {@link RaftNode} reads: its log and its hard state. */
@ConsumerType
public interface RaftStorage extends LogStorage, StateStorage {
}
