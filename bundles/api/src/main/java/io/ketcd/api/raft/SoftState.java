package io.ketcd.api.raft;

/**
 * Volatile state of a node: need not be persisted.
 *
 * @param lead the id of the known leader, 0 if none
 * @param role this node's role
 */
public record SoftState(long lead, RaftRole role) {
}
