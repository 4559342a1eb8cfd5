package io.ketcd.api.raft;

import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.HardState;
import java.util.Objects;

/**
 * What a node restarts from.
 *
 * @param hardState the last persisted term, vote and commit (default instance for a new node)
 * @param confState the membership as of the last snapshot or the initial voters of a new node
 */
public record InitialState(HardState hardState, ConfState confState) {

    public InitialState {
        Objects.requireNonNull(hardState, "hardState");
        Objects.requireNonNull(confState, "confState");
    }
}
