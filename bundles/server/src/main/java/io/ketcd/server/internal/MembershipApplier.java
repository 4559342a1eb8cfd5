package io.ketcd.server.internal;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;

import java.util.EnumSet;
import java.util.Set;

/**
 * Applies membership: configuration changes, checked as etcd's ValidateConfigurationChange
 * checks them and applied to the membership, then to the raft node and the transport; and the
 * name and client URLs a member publishes.
 */
final class MembershipApplier implements RequestApplier {
    /** What raft is told for a configuration change that changes nothing (etcd's NodeID 0). */
    static final ConfChange NO_CHANGE = ConfChange.getDefaultInstance();

    private final long memberId;
    private final Waiters waiters;
    private final ApplyLoop.Effects effects;

    MembershipApplier(long memberId, Waiters waiters, ApplyLoop.Effects effects) {
        this.memberId = memberId;
        this.waiters = waiters;
        this.effects = effects;
    }

    @Override
    public Set<RequestCase> requests() {
        return EnumSet.of(RequestCase.MEMBER_ATTRIBUTES);
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        return state.backend().write(() -> {
            state.membership().setAttributes(r.getMemberAttributes());
            state.backend().setConsistentIndex(index);
            return r.getMemberAttributes();
        });
    }

    /**
     * Applies the configuration change at {@code index}: an invalid one is applied as a change of
     * nothing, and its proposer gets the reason.
     */
    void applyConfChange(AppliedState s, ConfChange cc, long index) {
        EtcdError invalid = s.membership().validate(cc);
        s.backend().write(() -> {
            if (invalid == null) {
                s.membership().apply(cc);
            }
            s.backend().setConsistentIndex(index);
            return null;
        });
        // raft must still see the entry applied, or it would refuse every later change
        effects.applyToRaft(invalid == null ? cc : cc.toBuilder().setNodeId(0).build());
        if (invalid != null) {
            waiters.fail(cc.getId(), invalid.exception());
            return;
        }
        effects.membershipChanged(cc, s.membership());
        waiters.complete(cc.getId(), s.membership().list());
        if (cc.getType() == ConfChangeType.ConfChangeRemoveNode && cc.getNodeId() == memberId) {
            effects.removedSelf();
        }
    }

    /** A configuration change entry that does not decode: raft counts it as one and must see one applied. */
    void applyUndecodableConfChange(AppliedState s, long index) {
        s.backend().write(() -> {
            s.backend().setConsistentIndex(index);
            return null;
        });
        effects.applyToRaft(NO_CHANGE);
    }

    /** A configuration change the log held before the backend's consistent index: only raft needs it again. */
    void reapplyToRaft(ConfChange cc) {
        effects.applyToRaft(cc);
    }
}
