package io.ketcd.api.service;

import io.ketcd.proto.v3lockpb.LockRequest;
import io.ketcd.proto.v3lockpb.LockResponse;
import io.ketcd.proto.v3lockpb.UnlockRequest;
import io.ketcd.proto.v3lockpb.UnlockResponse;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code v3lockpb.Lock} service: a distributed mutex over KV, Watch and Lease, as etcd's
 * {@code v3lock} serves it. Errors of the requests it makes on the client's behalf come back as
 * etcd's server-side recipes return them: status UNKNOWN with etcd's message.
 */
@ProviderType
public interface LockService {

    /**
     * Acquires the lock {@code name} for {@code lease} (a lease of 60 s is granted when it is 0):
     * completes once the lock is held, with the key that holds it ({@code name/<lease in hex>}).
     * The lock is released by {@link #unlock} or when the lease ends. Cancelling the returned
     * future (the client gave up) stops waiting and removes this request's key.
     */
    CompletableFuture<LockResponse> lock(Caller caller, LockRequest request);

    /** Deletes the key that {@link #lock} returned; a key that is gone already is no error. */
    CompletableFuture<UnlockResponse> unlock(Caller caller, UnlockRequest request);

    /** {@link #lock(Caller, LockRequest)} for a caller inside the node. */
    default CompletableFuture<LockResponse> lock(LockRequest request) {
        return lock(Caller.INTERNAL, request);
    }

    /** {@link #unlock(Caller, UnlockRequest)} for a caller inside the node. */
    default CompletableFuture<UnlockResponse> unlock(UnlockRequest request) {
        return unlock(Caller.INTERNAL, request);
    }
}
