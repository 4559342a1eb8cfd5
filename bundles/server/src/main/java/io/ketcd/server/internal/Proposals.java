package io.ketcd.server.internal;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.mvcc.RequestValidator;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.RequestHeader;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Requests on their way into the log: their ids, etcd's checks before one is proposed (the
 * request itself, its size, a member too far behind in applying), and the waiter each proposal
 * leaves for the apply loop to complete.
 */
public final class Proposals {
    /** etcd refuses new proposals when this many committed entries wait to be applied. */
    static final long MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000;

    private final RequestIds requestIds;
    private final RaftLoop raftLoop;
    private final Waiters waiters;
    private final AppliedIndex appliedIndex;
    private final int maxRequestBytes;
    private final int maxTxnOps;
    private final BooleanSupplier stopped;

    /**
     * @param waiters the waiters the apply loop completes
     * @param stopped whether the member has stopped serving: it then refuses every proposal
     */
    Proposals(RequestIds requestIds, RaftLoop raftLoop, Waiters waiters, AppliedIndex appliedIndex,
              int maxRequestBytes, int maxTxnOps, BooleanSupplier stopped) {
        this.requestIds = requestIds;
        this.raftLoop = raftLoop;
        this.waiters = waiters;
        this.appliedIndex = appliedIndex;
        this.maxRequestBytes = maxRequestBytes;
        this.maxTxnOps = maxTxnOps;
        this.stopped = stopped;
    }

    public long nextRequestId() {
        return requestIds.next();
    }

    /** etcd's request checks before a request is proposed (v3rpc/key.go). */
    public void validate(InternalRaftRequest.Builder request) {
        switch (request.getRequestCase()) {
            case PUT -> RequestValidator.checkPut(request.getPut());
            case DELETE_RANGE -> RequestValidator.checkDeleteRange(request.getDeleteRange());
            case TXN -> RequestValidator.checkTxn(request.getTxn(), maxTxnOps);
            default -> { }
        }
    }

    /**
     * Proposes a serialized request; the future completes with the apply result (a response
     * message) or fails with an {@link EtcdException}.
     */
    public CompletableFuture<Object> propose(long id, ByteString data) {
        checkAccepting();
        if (data.size() > maxRequestBytes) {
            throw EtcdError.REQUEST_TOO_LARGE.exception();
        }
        return submit(id, n -> n.propose(data));
    }

    /**
     * Proposes a request the member makes itself (a lease revoke or checkpoint of the leader's
     * lessor) under a new request id; never throws: a refusal is a failed future, and so is a
     * request not applied within {@code timeoutMillis} ({@code TIMEOUT}).
     */
    CompletableFuture<Object> proposeOwn(InternalRaftRequest.Builder request, long timeoutMillis) {
        try {
            long id = nextRequestId();
            // the member's own requests are not a client's: no permission applies to them
            request.setHeader(RequestHeader.newBuilder().setId(id).setInternal(true));
            return propose(id, request.build().toByteString()).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                    .exceptionallyCompose(e -> {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        return CompletableFuture.failedFuture(
                                cause instanceof TimeoutException ? EtcdError.TIMEOUT.exception() : cause);
                    });
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Proposes a membership change; the future completes with the members after it is applied. */
    @SuppressWarnings("unchecked")
    CompletableFuture<List<Member>> proposeConfChange(ConfChange cc) {
        checkAccepting();
        return submit(cc.getId(), n -> n.proposeConfChange(cc)).thenApply(r -> (List<Member>) r);
    }

    /**
     * Registers the waiter of request {@code id} and hands {@code proposal} to the raft loop; a
     * request that fails (refused, timed out) does not leave its waiter behind.
     */
    private CompletableFuture<Object> submit(long id, Consumer<RaftNode> proposal) {
        CompletableFuture<Object> f = waiters.register(id);
        if (!raftLoop.propose(proposal, e -> waiters.fail(id, e))) {
            waiters.fail(id, EtcdError.TOO_MANY_REQUESTS.exception());
        }
        f.whenComplete((r, t) -> {
            if (t != null) {
                waiters.fail(id, t);
            }
        });
        return f;
    }

    private void checkAccepting() {
        if (stopped.getAsBoolean()) {
            throw EtcdError.STOPPED.exception();
        }
        if (raftLoop.committedIndex() - appliedIndex.get() > MAX_GAP_BETWEEN_APPLY_AND_COMMIT) {
            throw EtcdError.TOO_MANY_REQUESTS.exception();
        }
    }
}
