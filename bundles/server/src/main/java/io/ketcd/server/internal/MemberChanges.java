package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.api.raft.ProgressStatus;
import io.ketcd.api.raft.RaftStatus;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster API on top of the log: builds each membership change, refuses the ones etcd's
 * strict reconfiguration check refuses (a change that would leave too few started or active
 * members for a quorum), and proposes the rest as configuration-change entries. Whether a change
 * still fits the membership is decided again when it is applied ({@link Membership#validate}).
 */
public final class MemberChanges {
    /** etcd 3.4 allows one learner at a time (maxLearners). */
    static final int MAX_LEARNERS = 1;
    /** A learner is ready to vote once its log is within 10% of the leader's (etcd's readyPercent). */
    static final double READY_PERCENT = 0.9;

    private final Cluster cluster;
    private final String clusterToken;

    /** What the changes need of the member they run on. */
    public interface Cluster {
        long memberId();

        /** The members as this member has applied them. */
        List<Member> members();

        boolean isLeader();

        /** The known leader, 0 if none. */
        long leader();

        /** The raft node's status, with the leader's view of each member's progress. */
        CompletableFuture<RaftStatus> raftStatus();

        long nextRequestId();

        /** Proposes {@code cc}; completes with the members once it is applied. */
        CompletableFuture<List<Member>> proposeConfChange(ConfChange cc);

        /** Asks {@code leader} over the peer port to promote {@code learner}. */
        CompletableFuture<List<Member>> forwardPromote(long leader, long learner);

        /** Whether a peer has had a working connection for at least {@code d}. */
        boolean activeFor(long peer, Duration d);
    }

    /** The member a change concerns and the members after it. */
    public record Result(Member member, List<Member> members) {

        /** {@code member} as {@code members} now list it, or as proposed if they no longer do (removed). */
        static Result of(Member member, List<Member> members) {
            return new Result(members.stream().filter(m -> m.getID() == member.getID()).findFirst().orElse(member),
                    members);
        }
    }

    public MemberChanges(Cluster cluster, String clusterToken) {
        this.cluster = cluster;
        this.clusterToken = clusterToken;
    }

    public CompletableFuture<Result> add(List<String> peerUrls, boolean learner) {
        List<URI> urls = parse(peerUrls);
        List<Member> members = cluster.members();
        if (learner) {
            if (members.stream().filter(Member::getIsLearner).count() >= MAX_LEARNERS) {
                throw EtcdError.TOO_MANY_LEARNERS.exception();
            }
        } else if (!readyToAddVoter(members)) {
            throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
        }
        // etcd's NewMember: the id also hashes the time, so a re-added member gets a new id
        long id = MemberIds.memberId(urls, clusterToken + System.currentTimeMillis());
        Member.Builder m = Member.newBuilder().setID(id).setIsLearner(learner);
        peerUrls.forEach(m::addPeerURLs);
        return propose(learner ? ConfChangeType.ConfChangeAddLearnerNode : ConfChangeType.ConfChangeAddNode, m.build());
    }

    public CompletableFuture<Result> remove(long id) {
        List<Member> members = cluster.members();
        Member m = find(members, id);
        if (!m.getIsLearner() && !readyToRemoveVoter(members, id)) {
            throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
        }
        return propose(ConfChangeType.ConfChangeRemoveNode, m);
    }

    public CompletableFuture<Result> update(long id, List<String> peerUrls) {
        parse(peerUrls);
        Member m = find(cluster.members(), id);
        return propose(ConfChangeType.ConfChangeUpdateNode,
                m.toBuilder().clearPeerURLs().addAllPeerURLs(peerUrls).build());
    }

    /**
     * Promotes a learner once it has caught up. Only the leader sees the learner's progress, so a
     * follower forwards the request to it over the peer port, as etcd does.
     */
    public CompletableFuture<Result> promote(long id) {
        Member m = find(cluster.members(), id);
        if (!m.getIsLearner()) {
            throw EtcdError.MEMBER_NOT_LEARNER.exception();
        }
        if (!cluster.isLeader()) {
            long leader = cluster.leader();
            if (leader == 0) {
                throw EtcdError.NO_LEADER.exception();
            }
            return cluster.forwardPromote(leader, id).thenApply(members -> Result.of(m, members));
        }
        return cluster.raftStatus().thenCompose(status -> {
            ProgressStatus leader = status.progress().get(status.id());
            ProgressStatus learner = status.progress().get(id);
            if (leader == null || learner == null || learner.match() < leader.match() * READY_PERCENT) {
                throw EtcdError.LEARNER_NOT_READY.exception();
            }
            return propose(ConfChangeType.ConfChangeAddNode, m.toBuilder().setIsLearner(false).build());
        });
    }

    private CompletableFuture<Result> propose(ConfChangeType type, Member member) {
        ConfChange cc = ConfChange.newBuilder().setId(cluster.nextRequestId()).setType(type)
                .setNodeId(member.getID()).setContext(member.toByteString()).build();
        return cluster.proposeConfChange(cc).thenApply(members -> Result.of(member, members));
    }

    /** etcd's IsReadyToAddVotingMember: the started voters must still be a quorum of the larger cluster. */
    private static boolean readyToAddVoter(List<Member> members) {
        long voters = members.stream().filter(m -> !m.getIsLearner()).count();
        long started = members.stream().filter(m -> !m.getIsLearner() && !m.getName().isEmpty()).count();
        return started >= (voters + 1) / 2 + 1;
    }

    /** etcd's IsReadyToRemoveVotingMember: the active voters left must be a quorum of the smaller cluster. */
    private boolean readyToRemoveVoter(List<Member> members, long removed) {
        long votersAfter = members.stream().filter(m -> !m.getIsLearner() && m.getID() != removed).count();
        long activeAfter = members.stream().filter(m -> !m.getIsLearner() && m.getID() != removed)
                .filter(m -> m.getID() == cluster.memberId() || cluster.activeFor(m.getID(), Duration.ZERO)).count();
        return activeAfter >= votersAfter / 2 + 1;
    }

    private static Member find(List<Member> members, long id) {
        return members.stream().filter(m -> m.getID() == id).findFirst()
                .orElseThrow(EtcdError.MEMBER_NOT_FOUND::exception);
    }

    private static List<URI> parse(List<String> peerUrls) {
        if (peerUrls.isEmpty()) {
            throw EtcdError.MEMBER_BAD_URLS.exception();
        }
        List<URI> urls = new ArrayList<>();
        for (String s : peerUrls) {
            try {
                URI u = new URI(s);
                if (u.getScheme() == null || u.getHost() == null || u.getPort() < 0) {
                    throw EtcdError.MEMBER_BAD_URLS.exception();
                }
                urls.add(u);
            } catch (URISyntaxException e) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
        }
        return urls;
    }
}
