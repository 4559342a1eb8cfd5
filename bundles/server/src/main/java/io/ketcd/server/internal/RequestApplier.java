package io.ketcd.server.internal;

import io.ketcd.proto.serverpb.InternalRaftRequest;

import java.util.Set;

/**
 * Applies the committed requests of one family (KV, membership; lease, auth and alarms later),
 * as etcd's {@code applierV3} does per request kind: the apply loop hands each request to the
 * applier of its kind.
 */
interface RequestApplier {

    /** The request kinds this applier applies. */
    Set<InternalRaftRequest.RequestCase> requests();

    /**
     * Applies {@code request}, the entry at {@code index}, recording {@code index} as the
     * backend's consistent index in the same backend write as its changes.
     *
     * @return the response for the proposer's waiter
     * @throws io.ketcd.api.EtcdException when the request failed as a whole and changed nothing
     */
    Object apply(AppliedState state, InternalRaftRequest request, long index);
}
