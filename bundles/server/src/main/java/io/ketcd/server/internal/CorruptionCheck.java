package io.ketcd.server.internal;

import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's periodic corruption check ({@code --experimental-corrupt-check-time}, its
 * {@code checkHashKV}): every interval the leader hashes its key-value store at its current
 * revision, asks every other member for its HashKV at that revision over the peer port, hashes
 * itself again, and raises a CORRUPT alarm through the log for the first member found
 * inconsistent. etcd's rules: the leader itself, if its hash changed while revision and compact
 * revision did not; a member ahead of the leader's revision or compact revision; a member at the
 * same compact revision with another hash. Members that do not answer (down, compacted past the
 * revision, behind it) are skipped, as in etcd.
 */
public final class CorruptionCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);

    /** What the check needs of the member it runs on. */
    public interface Member {
        long memberId();

        boolean isLeader();

        /** This member's HashKV at its current revision. */
        HashKVResponse localHash();

        /** The other members' ids. */
        List<Long> peers();

        /** A peer's HashKV at {@code revision}; its header names the peer. */
        CompletableFuture<HashKVResponse> peerHash(long peer, long revision);

        /** Proposes a CORRUPT alarm for {@code member}. */
        CompletableFuture<?> raiseCorrupt(long member);
    }

    private final Member member;
    private final Duration answerBound;
    private final ScheduledExecutorService thread =
            Executors.newSingleThreadScheduledExecutor(new NamedThreads("ketcd-corrupt-check"));

    /**
     * Checks every {@code interval} while {@code member} leads, waiting at most
     * {@code answerBound} for the peers' answers and for the alarm to be applied.
     */
    public CorruptionCheck(Member member, Duration interval, Duration answerBound) {
        this.member = member;
        this.answerBound = answerBound;
        thread.scheduleWithFixedDelay(this::runOnce, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        LOG.info("member {} checks the cluster for data inconsistencies every {}", MemberIds.hex(member.memberId()),
                interval);
    }

    private void runOnce() {
        try {
            if (member.isLeader()) {
                check();
            }
        } catch (RuntimeException e) {
            LOG.warn("corruption check of member {} failed: {}", MemberIds.hex(member.memberId()), e.toString());
        }
    }

    /** One check; returns the member alarmed, or 0 when all were consistent. */
    long check() {
        HashKVResponse before = member.localHash();
        long revision = before.getHeader().getRevision();
        List<CompletableFuture<HashKVResponse>> asked = new ArrayList<>();
        for (long peer : member.peers()) {
            asked.add(member.peerHash(peer, revision));
        }
        List<HashKVResponse> answers = new ArrayList<>();
        for (CompletableFuture<HashKVResponse> answer : asked) {
            try {
                answers.add(answer.get(answerBound.toNanos(), TimeUnit.NANOSECONDS));
            } catch (Exception e) {
                LOG.warn("a member did not answer the hash check at revision {}: {}", revision, e.toString());
            }
        }
        HashKVResponse after = member.localHash();
        Set<Long> inconsistent = inconsistent(member.memberId(), before, after, answers);
        if (inconsistent.isEmpty()) {
            return 0;
        }
        // etcd alarms once per check: the first member found
        long corrupt = inconsistent.iterator().next();
        LOG.error("member {} found a data inconsistency at revision {}: member {} is corrupt; raising a CORRUPT alarm",
                MemberIds.hex(member.memberId()), revision, MemberIds.hex(corrupt));
        try {
            member.raiseCorrupt(corrupt).get(answerBound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            LOG.warn("could not raise the CORRUPT alarm for member {}: {}", MemberIds.hex(corrupt), e.toString());
        }
        return corrupt;
    }

    /**
     * The members etcd's checkHashKV finds inconsistent, in the order it finds them: {@code self}
     * from its two hashes {@code before} and {@code after} the peers', then each peer's answer.
     */
    static Set<Long> inconsistent(long self, HashKVResponse before, HashKVResponse after, List<HashKVResponse> peers) {
        Set<Long> found = new LinkedHashSet<>();
        long revision = before.getHeader().getRevision();
        long compacted = before.getCompactRevision();
        long revisionNow = after.getHeader().getRevision();
        long compactedNow = after.getCompactRevision();
        if (after.getHash() != before.getHash() && revisionNow == revision && compactedNow == compacted) {
            found.add(self);
        }
        for (HashKVResponse peer : peers) {
            long id = peer.getHeader().getMemberId();
            if (peer.getHeader().getRevision() > revisionNow
                    || peer.getCompactRevision() > compactedNow
                    || peer.getCompactRevision() == compacted && peer.getHash() != before.getHash()) {
                found.add(id);
            }
        }
        return found;
    }

    /** A HashKV request at {@code revision}, as the check asks it. */
    public static HashKVRequest at(long revision) {
        return HashKVRequest.newBuilder().setRevision(revision).build();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
