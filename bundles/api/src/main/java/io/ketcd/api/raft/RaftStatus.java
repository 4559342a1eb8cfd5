package io.ketcd.api.raft;

import java.util.Map;

/**
 * An immutable view of a node's state.
 *
 * @param id the node's id
 * @param term current term
 * @param vote the id voted for in {@code term}, 0 if none
 * @param commit highest index known committed
 * @param applied highest index handed to the owner for applying
 * @param lead the known leader, 0 if none
 * @param role the node's role
 * @param progress the leader's view of each member (voters and learners) by id; empty unless
 *     {@code role} is {@link RaftRole#LEADER}; immutable
 */
public record RaftStatus(
        long id,
        long term,
        long vote,
        long commit,
        long applied,
        long lead,
        RaftRole role,
        Map<Long, ProgressStatus> progress) {

    public RaftStatus {
        progress = Map.copyOf(progress);
    }
}
