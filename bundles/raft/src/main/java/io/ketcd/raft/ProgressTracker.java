package io.ketcd.raft;

import io.ketcd.proto.raftpb.ConfState;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The membership (voters and learners), the leader's {@link Progress} per member, and the
 * votes of the current election; plus the majority arithmetic over them.
 *
 * <p>Only single-step configurations are supported (no joint consensus): a quorum is a
 * majority of {@link #voters}. Learners get a Progress but never count for quorum.
 *
 * <p>Sorted collections keep iteration, and thus the order of sent messages, deterministic.
 */
final class ProgressTracker {

    enum VoteResult { PENDING, WON, LOST }

    final int maxInflight;
    final TreeSet<Long> voters = new TreeSet<>();
    final TreeSet<Long> learners = new TreeSet<>();
    /** One entry per voter and learner. */
    final TreeMap<Long, Progress> progress = new TreeMap<>();
    /** Votes received in the current (pre-)election, true = granted. */
    private final Map<Long, Boolean> votes = new TreeMap<>();

    ProgressTracker(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    ConfState confState() {
        return ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build();
    }

    boolean isSingleton() {
        return voters.size() == 1 && learners.isEmpty();
    }

    /**
     * The highest index replicated on a majority of voters (the quorum commit index), or 0
     * without voters. Example: voters' matches [5, 7, 3] sort to [7, 5, 3]; a majority is 2,
     * so 5 is on a majority.
     */
    long committed() {
        if (voters.isEmpty()) {
            return 0;
        }
        long[] matches = new long[voters.size()];
        int i = 0;
        for (long id : voters) {
            Progress pr = progress.get(id);
            matches[i++] = pr == null ? 0 : pr.match;
        }
        Arrays.sort(matches);
        // ascending: the element with a majority at or above it
        return matches[matches.length - (matches.length / 2 + 1)];
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records {@code id}'s vote (the first one counts) and returns the tally. */
    VoteResult recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
        return tallyVotes(votes);
    }

    int grantedVotes() {
        return (int) votes.entrySet().stream().filter(e -> e.getValue() && voters.contains(e.getKey())).count();
    }

    int rejectedVotes() {
        return (int) votes.entrySet().stream().filter(e -> !e.getValue() && voters.contains(e.getKey())).count();
    }

    /** Majority decision over {@code yes/no} answers of voters; non-voters are ignored. */
    VoteResult tallyVotes(Map<Long, Boolean> answers) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int yes = 0;
        int missing = 0;
        for (long id : voters) {
            Boolean v = answers.get(id);
            if (v == null) {
                missing++;
            } else if (v) {
                yes++;
            }
        }
        int q = voters.size() / 2 + 1;
        if (yes >= q) {
            return VoteResult.WON;
        }
        if (yes + missing >= q) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }

    /** Whether the acks of {@code ackers} (a set of ids) form a majority of voters. */
    boolean hasQuorum(Set<Long> ackers) {
        long n = voters.stream().filter(ackers::contains).count();
        return n >= voters.size() / 2 + 1;
    }

    /** Whether a majority of voters was recently active (check-quorum). */
    boolean quorumActive() {
        Set<Long> active = new TreeSet<>();
        progress.forEach((id, pr) -> {
            if (pr.recentActive && !pr.isLearner) {
                active.add(id);
            }
        });
        return hasQuorum(active);
    }

    boolean isVoter(long id) {
        return voters.contains(id);
    }

    boolean isMember(long id) {
        return voters.contains(id) || learners.contains(id);
    }
}
