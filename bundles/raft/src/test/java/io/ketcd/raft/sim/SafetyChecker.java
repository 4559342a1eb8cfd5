package io.ketcd.raft.sim;

import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.ReadState;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The global history of one simulation run and the Raft safety properties checked against it (Raft paper
 * figure 3, plus what a driver relies on). Each check is made when the fact it depends on becomes
 * observable, which for a correct implementation is after every step:
 *
 * <ul>
 *   <li><b>Election safety</b>: at most one leader per term, over the whole run ({@link #onStatus}).</li>
 *   <li><b>Log matching</b>, in the strong form "over the whole run": every (index, term) ever written to
 *       any durable log maps to one prefix hash ({@link #onAppend}).</li>
 *   <li><b>Leader completeness</b>: a leader of term T holds every entry known committed by a node whose
 *       term was below T when it persisted that commit ({@link #onStatus}, {@link #afterPersist}).</li>
 *   <li><b>State machine safety</b>: every applied entry, and every installed snapshot, equals the
 *       committed prefix at its index ({@link #onApply}, {@link #onSnapshot}).</li>
 *   <li><b>Committed entries are never lost</b>: the committed prefix only grows and each node's persisted
 *       commit points into it; no durable log overwrites a committed entry; without membership changes, a
 *       majority of durable logs hold the latest committed entry, so it survives any crash
 *       ({@link #checkDurableQuorum}).</li>
 *   <li><b>HardState</b>: term never decreases, a vote never changes within a term, commit never decreases
 *       and never points past the durable log, across crashes.</li>
 *   <li><b>ReadIndex</b> (SAFE): a ReadState's index is at least the commit index known when the read was
 *       requested.</li>
 *   <li><b>Membership</b>: every node that applies the conf change at an index gets the same ConfState.</li>
 * </ul>
 *
 * A violation calls {@link Failer#fail}, which throws with the seed and the trace.
 */
final class SafetyChecker {
    interface Failer {
        AssertionError fail(String message);
    }

    private record IndexTerm(long index, long term) {
    }

    private record PendingRead(long node, long required, long step) {
    }

    private record LeaderCheck(long term, long required) {
    }

    private final Failer failer;
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<IndexTerm, Long> prefixHash = new HashMap<>();
    /** committed prefix: hashes and terms by index; index 1 is the bootstrap snapshot. */
    private long[] committedHash = new long[256];
    private long[] committedTerm = new long[256];
    private long commit;
    /** term -> highest commit index persisted by a node whose HardState had that term. */
    private final TreeMap<Long, Long> commitByTerm = new TreeMap<>();
    private final Map<ByteString, PendingRead> reads = new HashMap<>();
    private final Map<Long, LeaderCheck> leaderChecks = new HashMap<>();
    private final Map<Long, ConfState> confAt = new HashMap<>();
    private long checks;
    private long readsChecked;

    SafetyChecker(Failer failer, long bootstrapIndex, long bootstrapTerm, long bootstrapHash) {
        this.failer = failer;
        if (bootstrapIndex > 0) {
            setCommitted(bootstrapIndex, bootstrapTerm, bootstrapHash);
            commit = bootstrapIndex;
            prefixHash.put(new IndexTerm(bootstrapIndex, bootstrapTerm), bootstrapHash);
        }
    }

    long commit() {
        return commit;
    }

    long checks() {
        return checks;
    }

    long readsChecked() {
        return readsChecked;
    }

    Map<Long, Long> leaders() {
        return leaderOfTerm;
    }

    boolean isCommitted(long index, long hash) {
        return index <= commit && committedHash[(int) index] == hash;
    }

    private void setCommitted(long index, long term, long hash) {
        if (index >= committedHash.length) {
            int n = (int) Math.max(index + 1, committedHash.length * 2L);
            committedHash = Arrays.copyOf(committedHash, n);
            committedTerm = Arrays.copyOf(committedTerm, n);
        }
        committedHash[(int) index] = hash;
        committedTerm[(int) index] = term;
    }

    // --- status ---------------------------------------------------------------------------------------------

    /** After a node was stepped, ticked or its Ready processed: election safety and new leaders. */
    void onStatus(SimNode node, RaftStatus st) {
        checks++;
        if (st.role() == RaftRole.LEADER) {
            Long prev = leaderOfTerm.putIfAbsent(st.term(), node.id);
            if (prev == null) {
                long required = 0;
                for (long c : commitByTerm.headMap(st.term()).values()) {
                    required = Math.max(required, c);
                }
                leaderChecks.put(node.id, new LeaderCheck(st.term(), required));
                if (!node.conf.getVotersList().contains(node.id)) {
                    throw failer.fail("election safety: node " + node.id + " became leader of term " + st.term()
                            + " but is not a voter in its configuration " + Describe.confState(node.conf));
                }
            } else if (prev != node.id) {
                throw failer.fail("election safety: two leaders in term " + st.term() + ": " + prev + " and "
                        + node.id);
            }
        }
    }

    /** After a node persisted a Ready: leader completeness for a leader elected since its last persist. */
    void afterPersist(SimNode node, long currentTerm) {
        LeaderCheck lc = leaderChecks.get(node.id);
        if (lc == null) {
            return;
        }
        leaderChecks.remove(node.id);
        if (lc.term != currentTerm) {
            return; // no longer leader of that term: the check is lost, not failed
        }
        DurableLog log = node.durable;
        long r = lc.required;
        if (r == 0) {
            return;
        }
        checks++;
        boolean ok;
        if (log.baseIndex >= r) {
            ok = isCommitted(log.baseIndex, log.baseHash);
        } else {
            ok = log.covers(r) && log.hashAt(r) == committedHash[(int) r];
        }
        if (!ok) {
            throw failer.fail("leader completeness: leader " + node.id + " of term " + lc.term
                    + " lacks the entry committed at " + r + " (term " + committedTerm[(int) r] + ") in an earlier term; "
                    + log.describe() + (log.covers(r) ? " its entry there: " + Describe.entry(log.entryAt(r)) : ""));
        }
    }

    void forgetNode(long id) {
        leaderChecks.remove(id);
    }

    // --- persistence ----------------------------------------------------------------------------------------

    /** Before an append is made durable: the new entries' prefix hashes, and what it overwrites. */
    void onAppend(SimNode node, List<Entry> removed, DurableLog log, long firstNew) {
        for (Entry e : removed) {
            long i = e.getIndex();
            if (i <= commit && committedTerm[(int) i] == e.getTerm()
                    && !(log.covers(i) && log.hashAt(i) == committedHash[(int) i])) {
                throw failer.fail("committed entry lost: node " + node.id + " overwrote or truncated committed entry "
                        + Describe.entry(e) + " (commit " + commit + "); " + log.describe());
            }
        }
        for (long i = Math.max(firstNew, log.baseIndex + 1); i <= log.lastIndex(); i++) {
            checks++;
            long h = log.hashAt(i);
            Long prev = prefixHash.putIfAbsent(new IndexTerm(i, log.termAt(i)), h);
            if (prev != null && prev != h) {
                throw failer.fail("log matching: node " + node.id + " has entry " + Describe.entry(log.entryAt(i))
                        + " whose log prefix differs from another log's with the same index and term");
            }
        }
    }

    void onHardState(SimNode node, HardState prev, HardState hs, DurableLog log) {
        checks++;
        if (hs.getTerm() < prev.getTerm()) {
            throw failer.fail("hard state: node " + node.id + " term went back from " + prev.getTerm() + " to "
                    + hs.getTerm());
        }
        if (hs.getTerm() == prev.getTerm() && prev.getVote() != 0 && hs.getVote() != prev.getVote()) {
            throw failer.fail("hard state: node " + node.id + " changed its vote in term " + hs.getTerm() + " from "
                    + prev.getVote() + " to " + hs.getVote());
        }
        if (hs.getCommit() < prev.getCommit()) {
            throw failer.fail("hard state: node " + node.id + " commit went back from " + prev.getCommit() + " to "
                    + hs.getCommit());
        }
        long c = hs.getCommit();
        if (c == 0) {
            return;
        }
        if (c > log.lastIndex() || c < log.baseIndex) {
            throw failer.fail("hard state: node " + node.id + " persisted commit " + c + " outside its durable log "
                    + log.describe());
        }
        // extend the committed prefix with this node's entries
        for (long i = commit + 1; i <= c; i++) {
            if (i <= log.baseIndex) {
                throw failer.fail("commit: node " + node.id + " commits " + c + " but its log starts after " + i
                        + " which nobody knew committed; " + log.describe());
            }
            setCommitted(i, log.termAt(i), log.hashAt(i));
        }
        if (c > commit) {
            commit = c;
        }
        if (log.hashAt(c) != committedHash[(int) c]) {
            throw failer.fail("commit: node " + node.id + " persisted commit " + c + " but its entry there "
                    + Describe.entry(log.entryAt(c)) + " differs from the committed one (term "
                    + committedTerm[(int) c] + ")");
        }
        commitByTerm.merge(hs.getTerm(), c, Math::max);
    }

    void onSnapshot(SimNode node, Snapshot snap, long hash) {
        checks++;
        long s = snap.getMetadata().getIndex();
        if (s > commit) {
            throw failer.fail("snapshot: node " + node.id + " received a snapshot at " + s
                    + " above the highest known commit " + commit);
        }
        if (committedHash[(int) s] != hash || committedTerm[(int) s] != snap.getMetadata().getTerm()) {
            throw failer.fail("snapshot: node " + node.id + " received a snapshot at " + s
                    + " whose state differs from the committed prefix");
        }
    }

    /** Without membership changes: a majority of durable logs hold the last committed entry. */
    void checkDurableQuorum(List<SimNode> members) {
        checks++;
        long c = commit;
        int holders = 0;
        for (SimNode n : members) {
            DurableLog log = n.durable;
            if (log.covers(c) && log.hashAt(c) == committedHash[(int) c]) {
                holders++;
            }
        }
        if (holders <= members.size() / 2) {
            StringBuilder sb = new StringBuilder();
            for (SimNode n : members) {
                sb.append("\n    ").append(n.id).append(": ").append(n.durable.describe());
            }
            throw failer.fail("committed entry not durable: only " + holders + " of " + members.size()
                    + " durable logs hold the committed entry at " + c + sb);
        }
    }

    /**
     * What a message may only say once it is durable (Raft's persistence rules, which a Ready-based core
     * meets by putting the state in the same Ready as the message): a granted vote is in the voter's
     * HardState; an append carries, and a successful append response acknowledges, only durable entries.
     */
    void onSend(SimNode node, io.ketcd.proto.raftpb.Message m) {
        checks++;
        DurableLog log = node.durable;
        switch (m.getType()) {
            case MsgVoteResp -> {
                // the durable state must keep the voter from voting again in that term: the vote itself,
                // or a later term (it may have moved on within the same Ready)
                long t = log.hardState.getTerm();
                if (!m.getReject() && (t < m.getTerm() || (t == m.getTerm() && log.hardState.getVote() != m.getTo()))) {
                    throw failer.fail("persistence: node " + node.id + " grants its vote to " + m.getTo() + " in term "
                            + m.getTerm() + " but its durable HardState is " + Describe.hardState(log.hardState));
                }
            }
            case MsgApp -> {
                if (m.getTerm() != log.hardState.getTerm()) {
                    // sent as leader of an older term, before this Ready moved the node on: receivers answer
                    // to a term that no longer leads, so nothing can be committed from it
                    return;
                }
                for (Entry e : m.getEntriesList()) {
                    long i = e.getIndex();
                    if (i > log.baseIndex && !(log.covers(i) && log.termAt(i) == e.getTerm())) {
                        throw failer.fail("persistence: node " + node.id + " sends " + Describe.message(m)
                                + " with entry " + Describe.entry(e) + " that is not in its durable log " + log.describe());
                    }
                }
            }
            case MsgAppResp -> {
                // the ack says "my log matches the leader of m.term up to m.index". An ack queued in term T
                // can leave in the same Ready as a truncation by the leader of a later term (seed 5003186,
                // fiveNodes): it then acknowledges entries this node never made durable. etcd-io/raft does
                // the same. It is harmless: the later leader's election needed a majority whose in-memory
                // logs did not hold those entries, so the deposed leader cannot also gather a majority for
                // them. So only an ack in the node's current term must be backed by its durable log.
                long i = m.getIndex();
                if (m.getTerm() != log.hardState.getTerm()) {
                    return;
                }
                if (!m.getReject() && i > log.baseIndex && (i > log.lastIndex() || log.termAt(i) > m.getTerm())) {
                    throw failer.fail("persistence: node " + node.id + " acknowledges index " + m.getIndex()
                            + " beyond its durable log " + log.describe());
                }
            }
            default -> {
            }
        }
    }

    // --- state machine --------------------------------------------------------------------------------------

    void onApply(SimNode node, Entry e, long digest) {
        checks++;
        long i = e.getIndex();
        if (i > commit) {
            throw failer.fail("state machine safety: node " + node.id + " applied " + Describe.entry(e)
                    + " above the highest persisted commit " + commit);
        }
        if (committedHash[(int) i] != digest) {
            throw failer.fail("state machine safety: node " + node.id + " applied " + Describe.entry(e)
                    + " but the committed entry at " + i + " has term " + committedTerm[(int) i]
                    + (committedTerm[(int) i] == e.getTerm() ? " (same term, different prefix)" : ""));
        }
    }

    void onConfApplied(SimNode node, long index, ConfState cs) {
        checks++;
        ConfState norm = normalize(cs);
        ConfState prev = confAt.putIfAbsent(index, norm);
        if (prev != null && !prev.equals(norm)) {
            throw failer.fail("membership: node " + node.id + " applied the conf change at " + index + " as "
                    + Describe.confState(norm) + " but another node got " + Describe.confState(prev));
        }
    }

    static ConfState normalize(ConfState cs) {
        List<Long> v = new ArrayList<>(cs.getVotersList());
        List<Long> l = new ArrayList<>(cs.getLearnersList());
        List<Long> vo = new ArrayList<>(cs.getVotersOutgoingList());
        List<Long> ln = new ArrayList<>(cs.getLearnersNextList());
        v.sort(null);
        l.sort(null);
        vo.sort(null);
        ln.sort(null);
        return ConfState.newBuilder().addAllVoters(v).addAllLearners(l).addAllVotersOutgoing(vo)
                .addAllLearnersNext(ln).setAutoLeave(cs.getAutoLeave()).build();
    }

    // --- reads ----------------------------------------------------------------------------------------------

    void onReadRequest(SimNode node, ByteString ctx, long step) {
        reads.put(ctx, new PendingRead(node.id, commit, step));
    }

    void onReadState(SimNode node, ReadState rs) {
        checks++;
        PendingRead r = reads.remove(rs.requestContext());
        if (r == null) {
            return; // a duplicate answer (the network duplicates messages): checked the first time
        }
        readsChecked++;
        if (r.node != node.id) {
            throw failer.fail("read index: node " + node.id + " got the ReadState of a read requested on node "
                    + r.node);
        }
        if (rs.index() < r.required) {
            throw failer.fail("read index (linearizability): node " + node.id + " read requested at step " + r.step
                    + " got index " + rs.index() + " but " + r.required + " was already committed then");
        }
    }
}
