package io.ketcd.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.api.raft.InitialState;
import io.ketcd.api.raft.ProgressStatus;
import io.ketcd.api.raft.RaftLogger;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.api.raft.RaftStorage;
import io.ketcd.api.raft.ReadState;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import io.ketcd.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The raft state shared by all roles, and the rules that do not depend on the role: terms
 * (§5.1), voting (§5.2, §5.4.1), role transitions, timers, membership and snapshot restore.
 * Role-specific handling lives in {@link Leader}, {@link Candidate} and {@link Follower};
 * {@link #step(Message)} applies the term rules and then hands the message to the current
 * role.
 *
 * <p>Not thread-safe; owned by one {@link RawNode}.
 */
final class Raft {

    /** Marks a vote request sent because of a leadership transfer: it overrides the lease. */
    static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

    static final long NONE = 0;

    enum CampaignType { PRE_ELECTION, ELECTION, TRANSFER }

    /** A role's message handler: one implementation per role. */
    interface RoleStep {
        void step(Message m);
    }

    final long id;
    final RaftLog log;
    final ProgressTracker tracker;
    final RaftLogger logger;
    private final RandomGenerator random;

    final int electionTimeout;
    final int heartbeatTimeout;
    final long maxMsgSize;
    final long maxUncommittedSize;
    final boolean checkQuorum;
    final boolean preVote;
    final boolean disableProposalForwarding;

    long term;
    long vote;
    long lead;
    RaftRole role = RaftRole.FOLLOWER;
    /** Whether this node is a learner in the current configuration. */
    boolean isLearner;

    /** Ticks since the last election timeout reset (followers: since hearing from a leader). */
    int electionElapsed;
    /** Leader only: ticks since the last heartbeat. */
    int heartbeatElapsed;
    /** Drawn from {@code [electionTimeout, 2 * electionTimeout)} at every reset. */
    int randomizedElectionTimeout;

    /** Leader only: the member leadership is being transferred to, or NONE. */
    long leadTransferee;
    /**
     * Leader only: the log index of the latest conf change; a new one is refused until the
     * owner has applied past it (one change at a time).
     */
    long pendingConfIndex;
    /** Leader only: bytes of payload in uncommitted entries (maxUncommittedEntriesSize). */
    long uncommittedSize;

    ReadOnly readOnly;
    /** Leader only: reads received before an entry of the current term was committed. */
    final List<Message> pendingReadIndexMessages = new ArrayList<>();

    final List<Message> msgs = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();

    final Leader leader;
    final Candidate candidate;
    final Follower follower;
    private RoleStep roleStep;

    Raft(RaftNodeConfig config, RaftStorage storage) {
        this.id = config.id();
        this.logger = config.logger();
        this.random = config.random();
        this.electionTimeout = config.electionTick();
        this.heartbeatTimeout = config.heartbeatTick();
        this.maxMsgSize = config.maxSizePerMsg();
        this.maxUncommittedSize = config.maxUncommittedEntriesSize() == 0
                ? Long.MAX_VALUE : config.maxUncommittedEntriesSize();
        this.checkQuorum = config.checkQuorum();
        this.preVote = config.preVote();
        this.disableProposalForwarding = config.disableProposalForwarding();
        this.readOnly = new ReadOnly(config.readOnlyOption());
        this.log = new RaftLog(storage, config.maxSizePerMsg());
        this.tracker = new ProgressTracker(config.maxInflightMsgs());
        this.leader = new Leader(this);
        this.candidate = new Candidate(this);
        this.follower = new Follower(this);

        InitialState initial = storage.initialState();
        applyConfState(initial.confState());
        HardState hs = initial.hardState();
        if (!hs.equals(HardState.getDefaultInstance())) {
            loadState(hs);
        }
        if (config.applied() > 0) {
            log.appliedTo(config.applied());
        }
        becomeFollower(term, NONE);
        logger.info("newRaft {} [peers: {}, learners: {}, term: {}, commit: {}, applied: {}, lastindex: {}, lastterm: {}]",
                id, tracker.voters, tracker.learners, term, log.committed(), log.applied(),
                log.lastIndex(), log.lastTerm());
    }

    /**
     * Restores term, vote and commit from storage. A commit index beyond the stored log means
     * the storage lost entries it had acknowledged: refuse to start rather than diverge.
     */
    private void loadState(HardState hs) {
        if (hs.getCommit() < log.committed() || hs.getCommit() > log.lastIndex()) {
            throw new IllegalStateException("hard state commit " + hs.getCommit() + " is out of range ["
                    + log.committed() + ", " + log.lastIndex() + "]");
        }
        log.commitTo(hs.getCommit());
        term = hs.getTerm();
        vote = hs.getVote();
    }

    HardState hardState() {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(log.committed()).build();
    }

    /** Whether this node may become leader: a voter of the current configuration. */
    boolean promotable() {
        return tracker.isVoter(id);
    }

    // ---- sending ----

    /**
     * Queues {@code m} for the owner to send. Vote messages carry an explicit term (a
     * pre-vote is sent for a term not yet reached); proposals and read requests forwarded to
     * the leader stay at term 0 (they are local messages in the receiver's eyes); everything
     * else is stamped with our term.
     */
    void send(Message.Builder m) {
        if (m.getFrom() == NONE) {
            m.setFrom(id);
        }
        MessageType t = m.getType();
        if (t == MessageType.MsgVote || t == MessageType.MsgVoteResp
                || t == MessageType.MsgPreVote || t == MessageType.MsgPreVoteResp) {
            if (m.getTerm() == 0) {
                throw new IllegalStateException("term should be set when sending " + t);
            }
        } else {
            if (m.getTerm() != 0) {
                throw new IllegalStateException("term should not be set when sending " + t + " (was " + m.getTerm() + ")");
            }
            if (t != MessageType.MsgProp && t != MessageType.MsgReadIndex) {
                m.setTerm(term);
            }
        }
        msgs.add(m.build());
    }

    // ---- role transitions ----

    /**
     * Clears all per-term and per-role state. The vote is kept within a term (one vote per
     * term, §5.2) and forgotten only when the term changes. Progress restarts pessimistically:
     * nothing known matched, next = our last index + 1 (probe from the end).
     */
    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = electionTimeout + random.nextInt(electionTimeout);
        leadTransferee = NONE;
        tracker.resetVotes();
        long last = log.lastIndex();
        tracker.progress.replaceAll((pid, old) -> {
            Progress pr = new Progress(0, last + 1, tracker.maxInflight, old.isLearner, false);
            if (pid == id) {
                pr.match = last;
            }
            return pr;
        });
        pendingConfIndex = 0;
        uncommittedSize = 0;
        readOnly = new ReadOnly(readOnly.option);
        pendingReadIndexMessages.clear();
    }

    void becomeFollower(long newTerm, long newLead) {
        reset(newTerm);
        roleStep = follower;
        lead = newLead;
        role = RaftRole.FOLLOWER;
        logger.info("{} became follower at term {}", id, term);
    }

    void becomeCandidate() {
        if (role == RaftRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> candidate]");
        }
        reset(term + 1);
        roleStep = candidate;
        vote = id;
        role = RaftRole.CANDIDATE;
        logger.info("{} became candidate at term {}", id, term);
    }

    /** A pre-candidate keeps its term and vote: only a real election changes them. */
    void becomePreCandidate() {
        if (role == RaftRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
        }
        roleStep = candidate;
        tracker.resetVotes();
        lead = NONE;
        role = RaftRole.PRE_CANDIDATE;
        logger.info("{} became pre-candidate at term {}", id, term);
    }

    void becomeLeader() {
        if (role == RaftRole.FOLLOWER) {
            throw new IllegalStateException("invalid transition [follower -> leader]");
        }
        reset(term);
        roleStep = leader;
        lead = id;
        role = RaftRole.LEADER;
        Progress self = tracker.progress.get(id);
        self.becomeReplicate();
        self.recentActive = true;
        // there may be an unapplied conf change in the tail; assume there is (cheaper than a scan)
        pendingConfIndex = log.lastIndex();
        // §5.4.2: an entry of the new term lets earlier entries commit; its empty payload does
        // not count against the uncommitted size limit
        leader.appendEntry(List.of(Entry.newBuilder()));
        logger.info("{} became leader at term {}", id, term);
    }

    // ---- timers ----

    void tick() {
        if (role == RaftRole.LEADER) {
            leader.tickHeartbeat();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            hup(preVote ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
        }
    }

    // ---- elections ----

    /** Starts a campaign unless this node is leader, not a voter, or has an unapplied conf change. */
    void hup(CampaignType t) {
        if (role == RaftRole.LEADER) {
            logger.debug("{} ignoring campaign: already leader", id);
            return;
        }
        if (!promotable()) {
            logger.warn("{} is unpromotable and cannot campaign", id);
            return;
        }
        if (hasUnappliedConfChange()) {
            // the change might remove us or alter the quorum; wait until it is applied
            logger.warn("{} cannot campaign at term {}: pending conf change not applied", id, term);
            return;
        }
        logger.info("{} is starting a new election at term {}", id, term);
        campaign(t);
    }

    private boolean hasUnappliedConfChange() {
        // entries below the first index are covered by a snapshot, whose membership is applied
        long from = Math.max(log.applied() + 1, log.firstIndex());
        if (log.committed() < from) {
            return false;
        }
        for (Entry e : log.slice(from, log.committed() + 1, Long.MAX_VALUE)) {
            if (e.getType() == EntryType.EntryConfChange || e.getType() == EntryType.EntryConfChangeV2) {
                return true;
            }
        }
        return false;
    }

    /**
     * Becomes (pre-)candidate and asks every other voter for its vote. Only voters are asked:
     * learners have no say. Our own vote is counted first, so a single voter wins at once.
     */
    void campaign(CampaignType t) {
        MessageType voteMsg;
        long voteTerm;
        if (t == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteMsg = MessageType.MsgPreVote;
            // a pre-vote asks "would you vote for me at term + 1?" without raising our term
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteMsg = MessageType.MsgVote;
            voteTerm = term;
        }
        if (tracker.recordVote(id, true) == ProgressTracker.VoteResult.WON) {
            // single voter: won already
            if (t == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
            }
            return;
        }
        for (long to : tracker.voters) {
            if (to == id) {
                continue;
            }
            logger.info("{} [logterm: {}, index: {}] sent {} request to {} at term {}",
                    id, log.lastTerm(), log.lastIndex(), voteMsg, to, term);
            Message.Builder m = Message.newBuilder().setTo(to).setType(voteMsg).setTerm(voteTerm)
                    .setIndex(log.lastIndex()).setLogTerm(log.lastTerm());
            if (t == CampaignType.TRANSFER) {
                m.setContext(CAMPAIGN_TRANSFER);
            }
            send(m);
        }
    }

    // ---- the entry point for messages ----

    /**
     * Applies the term rules of §5.1 (and the pre-vote and lease exceptions to them), answers
     * vote requests, and passes everything else to the role's handler.
     */
    void step(Message m) {
        // term 0 marks a local message (our owner's proposal or read, or one forwarded to us
        // as leader): no term rules apply to it
        if (m.getTerm() > term) {
            if (m.getType() == MessageType.MsgVote || m.getType() == MessageType.MsgPreVote) {
                boolean force = CAMPAIGN_TRANSFER.equals(m.getContext());
                boolean inLease = checkQuorum && lead != NONE && electionElapsed < electionTimeout;
                if (!force && inLease) {
                    // a leader was heard from within the minimum election timeout: this request
                    // comes from a node that is partitioned or lagging; do not let it disrupt us
                    logger.info("{} [term: {}] ignored {} from {} at term {}: lease is not expired",
                            id, term, m.getType(), m.getFrom(), m.getTerm());
                    return;
                }
            }
            if (m.getType() == MessageType.MsgPreVote) {
                // never change our term because of a pre-vote
            } else if (m.getType() == MessageType.MsgPreVoteResp && !m.getReject()) {
                // the term is raised when the pre-vote is won, not per answer
            } else {
                logger.info("{} [term: {}] received a {} with higher term from {} [term: {}]",
                        id, term, m.getType(), m.getFrom(), m.getTerm());
                boolean fromLeader = m.getType() == MessageType.MsgApp
                        || m.getType() == MessageType.MsgHeartbeat || m.getType() == MessageType.MsgSnap;
                becomeFollower(m.getTerm(), fromLeader ? m.getFrom() : NONE);
            }
        } else if (m.getTerm() < term && m.getTerm() != 0) {
            stepStale(m);
            return;
        }

        switch (m.getType()) {
            case MsgVote, MsgPreVote -> handleVoteRequest(m);
            default -> roleStep.step(m);
        }
    }

    /** §5.1: a stale-term message is rejected; a few kinds get an answer that helps the sender. */
    private void stepStale(Message m) {
        if ((checkQuorum || preVote)
                && (m.getType() == MessageType.MsgHeartbeat || m.getType() == MessageType.MsgApp)) {
            // A stale leader (e.g. partitioned while we moved on) would otherwise never learn
            // the new term: with check-quorum or pre-vote nobody raises terms by disrupting it.
            // Our response carries our term and makes it step down.
            send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MsgAppResp));
        } else if (m.getType() == MessageType.MsgPreVote) {
            // answer so that the pre-candidate learns our higher term instead of waiting forever
            send(Message.newBuilder().setTo(m.getFrom()).setTerm(term)
                    .setType(MessageType.MsgPreVoteResp).setReject(true));
        } else {
            logger.debug("{} [term: {}] ignored a {} from {} [term: {}]",
                    id, term, m.getType(), m.getFrom(), m.getTerm());
        }
    }

    /** §5.2 one vote per term, §5.4.1 only for an up-to-date log. */
    private void handleVoteRequest(Message m) {
        MessageType respType = m.getType() == MessageType.MsgVote
                ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
        boolean canVote = vote == m.getFrom()
                || (vote == NONE && lead == NONE)
                // a pre-vote for a future term does not bind us to anything
                || (m.getType() == MessageType.MsgPreVote && m.getTerm() > term);
        if (canVote && log.isUpToDate(m.getIndex(), m.getLogTerm())) {
            logger.info("{} [logterm: {}, index: {}, vote: {}] cast {} for {} at term {}",
                    id, log.lastTerm(), log.lastIndex(), vote, m.getType(), m.getFrom(), term);
            // the response carries the request's term, which is ours for MsgVote and the
            // future term for MsgPreVote (so the pre-candidate counts it)
            send(Message.newBuilder().setTo(m.getFrom()).setTerm(m.getTerm()).setType(respType));
            if (m.getType() == MessageType.MsgVote) {
                electionElapsed = 0;
                vote = m.getFrom();
            }
        } else {
            logger.info("{} [logterm: {}, index: {}, vote: {}] rejected {} from {} at term {}",
                    id, log.lastTerm(), log.lastIndex(), vote, m.getType(), m.getFrom(), term);
            send(Message.newBuilder().setTo(m.getFrom()).setTerm(term).setType(respType).setReject(true));
        }
    }

    // ---- snapshots ----

    /**
     * Installs a leader's snapshot on a follower. Returns false if the snapshot brings nothing
     * new (already committed, or our log already has its last entry, in which case we only
     * fast-forward the commit index).
     */
    boolean restore(Snapshot s) {
        long index = s.getMetadata().getIndex();
        long sterm = s.getMetadata().getTerm();
        if (index <= log.committed()) {
            return false;
        }
        if (role != RaftRole.FOLLOWER) {
            // only a follower receives snapshots (its leader sent it); be defensive anyway
            logger.warn("{} attempted to restore snapshot as {}; should never happen", id, role);
            becomeFollower(term + 1, NONE);
            return false;
        }
        ConfState cs = s.getMetadata().getConfState();
        if (!cs.getVotersList().contains(id) && !cs.getLearnersList().contains(id)) {
            logger.warn("{} attempted to restore snapshot but it is not in the ConfState {}; should never happen",
                    id, cs);
            return false;
        }
        if (log.matchTerm(index, sterm)) {
            logger.info("{} [commit: {}] fast-forwarded commit to snapshot [index: {}, term: {}]",
                    id, log.committed(), index, sterm);
            log.commitTo(index);
            return false;
        }
        log.restore(s);
        tracker.progress.clear();
        applyConfState(cs);
        logger.info("{} [commit: {}] restored snapshot [index: {}, term: {}]", id, log.committed(), index, sterm);
        return true;
    }

    // ---- membership ----

    /** Rebuilds the configuration from {@code cs} (start-up and snapshot restore). */
    private void applyConfState(ConfState cs) {
        if (cs.getVotersOutgoingCount() > 0) {
            throw new IllegalArgumentException("joint configurations are not supported: " + cs);
        }
        tracker.voters.clear();
        tracker.learners.clear();
        tracker.progress.clear();
        long last = log.lastIndex();
        for (long v : cs.getVotersList()) {
            tracker.voters.add(v);
            tracker.progress.put(v, new Progress(0, last + 1, tracker.maxInflight, false, true));
        }
        for (long l : cs.getLearnersList()) {
            if (tracker.voters.contains(l)) {
                throw new IllegalArgumentException(l + " is both voter and learner in " + cs);
            }
            tracker.learners.add(l);
            tracker.progress.put(l, new Progress(0, last + 1, tracker.maxInflight, true, true));
        }
        Progress self = tracker.progress.get(id);
        isLearner = self != null && self.isLearner;
    }

    /**
     * Applies one committed single-step change. Promotion is AddNode of a learner, demotion
     * AddLearnerNode of a voter. A leader that removed or demoted itself steps down after
     * telling followers the latest commit index.
     */
    ConfState applyConfChange(ConfChange cc) {
        long nodeId = cc.getNodeId();
        if (nodeId == NONE) {
            return tracker.confState();
        }
        boolean leaderLeaves = role == RaftRole.LEADER && nodeId == id
                && (cc.getType() == io.ketcd.proto.raftpb.ConfChangeType.ConfChangeRemoveNode
                    || cc.getType() == io.ketcd.proto.raftpb.ConfChangeType.ConfChangeAddLearnerNode);
        if (leaderLeaves) {
            // followers learn the commit index (which includes this change) before we go
            leader.bcastAppend();
        }
        switch (cc.getType()) {
            case ConfChangeAddNode -> addMember(nodeId, false);
            case ConfChangeAddLearnerNode -> addMember(nodeId, true);
            case ConfChangeRemoveNode -> {
                tracker.voters.remove(nodeId);
                tracker.learners.remove(nodeId);
                tracker.progress.remove(nodeId);
            }
            case ConfChangeUpdateNode -> {
                // raft does not know addresses: nothing to do
            }
            default -> throw new IllegalArgumentException("unknown conf change type " + cc.getType());
        }
        Progress self = tracker.progress.get(id);
        isLearner = self != null && self.isLearner;
        logger.info("{} applied conf change {} {}: voters {} learners {}",
                id, cc.getType(), nodeId, tracker.voters, tracker.learners);
        if (leaderLeaves) {
            logger.info("{} was removed or demoted while leader; stepping down", id);
            becomeFollower(term, NONE);
        } else if (role == RaftRole.LEADER) {
            leader.afterConfChange();
        }
        return tracker.confState();
    }

    /**
     * Adds {@code nodeId} as voter or learner, or moves an existing member to that kind
     * (promotion, demotion) keeping its progress.
     */
    private void addMember(long nodeId, boolean learner) {
        (learner ? tracker.voters : tracker.learners).remove(nodeId);
        (learner ? tracker.learners : tracker.voters).add(nodeId);
        Progress pr = tracker.progress.get(nodeId);
        if (pr == null) {
            // Probe from our last index: the new member most likely has nothing and will reject,
            // and its rejection hint takes us straight to where it stands (or to a snapshot).
            // Counted as active so that check-quorum does not depose us before it answers.
            tracker.progress.put(nodeId,
                    new Progress(0, Math.max(log.lastIndex(), 1), tracker.maxInflight, learner, true));
        } else {
            pr.isLearner = learner;
        }
    }

    static ConfChange decodeConfChange(Entry e) {
        try {
            return ConfChange.parseFrom(e.getData());
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalArgumentException("entry " + e.getIndex() + " is not a ConfChange", ex);
        }
    }

    // ---- status ----

    RaftStatus status() {
        Map<Long, ProgressStatus> prs = new TreeMap<>();
        if (role == RaftRole.LEADER) {
            tracker.progress.forEach((pid, pr) ->
                    prs.put(pid, new ProgressStatus(pr.match, pr.next, pr.state.label(), pr.recentActive)));
        }
        return new RaftStatus(id, term, vote, log.committed(), log.applied(), lead, role, prs);
    }
}
