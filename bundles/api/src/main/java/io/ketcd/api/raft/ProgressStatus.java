package io.ketcd.api.raft;

/**
 * The leader's view of one follower.
 *
 * @param match highest index known replicated on the follower
 * @param next next index the leader will send
 * @param state {@code "probe"}, {@code "replicate"} or {@code "snapshot"}
 * @param recentActive whether the follower was heard from in the current election timeout
 */
public record ProgressStatus(long match, long next, String state, boolean recentActive) {
}
