package io.ketcd.server.internal;

import com.google.protobuf.ByteString;
import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.LeaseCheckpoint;
import io.ketcd.proto.etcdserverpb.LeaseCheckpointResponse;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseRevokeResponse;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;
import io.ketcd.server.auth.AuthInfo;
import io.ketcd.server.lease.Lessor;
import io.ketcd.storage.Backend;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Applies etcd's lease requests (etcd's applierV3backend LeaseGrant, LeaseRevoke and
 * LeaseCheckpoint) to the lessor, each in one backend write with its consistent index. A revoke
 * deletes every key of the lease in one key-value txn, so at one revision, and the lease in the
 * same backend write.
 */
final class LeaseApplier implements RequestApplier {

    @Override
    public Set<RequestCase> requests() {
        return EnumSet.of(RequestCase.LEASE_GRANT, RequestCase.LEASE_REVOKE, RequestCase.LEASE_CHECKPOINT);
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        if (AlarmApplier.corrupt(state) && r.getRequestCase() != RequestCase.LEASE_CHECKPOINT) {
            throw EtcdError.CORRUPT.exception(); // etcd's corrupt applier refuses grants and revokes
        }
        return switch (r.getRequestCase()) {
            case LEASE_GRANT -> grant(state, r.getLeaseGrant(), index);
            case LEASE_REVOKE -> revoke(state, r, index);
            case LEASE_CHECKPOINT -> checkpoint(state, r.getLeaseCheckpoint().getCheckpointsList(), index);
            default -> throw new IllegalArgumentException("not a lease request: " + r.getRequestCase());
        };
    }

    private static LeaseGrantResponse grant(AppliedState state, LeaseGrantRequest r, long index) {
        if (AlarmApplier.outOfSpace(state)) {
            throw EtcdError.NO_SPACE.exception(); // etcd's capped applier refuses grants too
        }
        Backend backend = state.backend();
        return backend.write(() -> {
            // a refused grant throws before it changes anything; the apply loop then records the index
            long ttl = state.lessor().grant(r.getID(), r.getTTL());
            backend.setConsistentIndex(index);
            return LeaseGrantResponse.newBuilder().setHeader(revision(state)).setID(r.getID()).setTTL(ttl).build();
        });
    }

    /**
     * The lease leaves the backend before its keys are deleted: a batch commit inside the
     * key-value write (which records the consistent index) then holds both, never the index
     * without the lease's removal.
     */
    /**
     * Revokes the lease and deletes its keys; with auth on, a client's revoke needs write
     * permission on every key of the lease (etcd's checkLeasePuts). The lessor's own revoke of
     * an expired lease is the node's and always goes through.
     */
    private static LeaseRevokeResponse revoke(AppliedState state, InternalRaftRequest r, long index) {
        long id = r.getLeaseRevoke().getID();
        Lessor lessor = state.lessor();
        List<ByteString> keys = lessor.keysToRevoke(id);
        if (!r.getHeader().getInternal()) {
            AuthInfo who = new AuthInfo(r.getHeader().getUsername(), r.getHeader().getAuthRevision());
            for (ByteString key : keys) {
                state.auth().checkPermitted(who, key, ByteString.EMPTY, true);
            }
        }
        TxnRequest.Builder deletes = TxnRequest.newBuilder();
        for (ByteString key : keys) {
            deletes.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)));
        }
        TxnResponse deleted = state.backend().write(() -> {
            lessor.remove(id);
            return state.kv().txn(deletes.build(), index);
        });
        return LeaseRevokeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(deleted.getHeader().getRevision())).build();
    }

    private static LeaseCheckpointResponse checkpoint(AppliedState state, List<LeaseCheckpoint> checkpoints, long index) {
        Backend backend = state.backend();
        return backend.write(() -> {
            for (LeaseCheckpoint c : checkpoints) {
                state.lessor().checkpoint(c.getID(), c.getRemainingTTL());
            }
            backend.setConsistentIndex(index);
            return LeaseCheckpointResponse.newBuilder().setHeader(revision(state)).build();
        });
    }

    private static ResponseHeader revision(AppliedState state) {
        return ResponseHeader.newBuilder().setRevision(state.kv().currentRevision()).build();
    }
}
