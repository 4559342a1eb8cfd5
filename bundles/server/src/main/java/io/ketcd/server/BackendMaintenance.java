package io.ketcd.server;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.BackendCopy;
import io.ketcd.api.service.Caller;
import io.ketcd.proto.etcdserverpb.DefragmentResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.HashResponse;
import io.ketcd.server.auth.AuthInfo;
import io.ketcd.server.internal.ServerCore;
import io.ketcd.storage.BackendHash;
import io.ketcd.storage.BackendSnapshot;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Maintenance calls that work on the whole backend of the member running now (HashKV,
 * Snapshot, Hash, Defragment), with etcd 3.4's rule that, once auth is on, only a user with the
 * root role may make them.
 */
final class BackendMaintenance {
    private final Supplier<ServerCore> core;
    private final Function<Caller, AuthInfo> authInfo;

    BackendMaintenance(Supplier<ServerCore> core, Function<Caller, AuthInfo> authInfo) {
        this.core = core;
        this.authInfo = authInfo;
    }

    public CompletableFuture<HashKVResponse> hashKV(Caller caller, HashKVRequest request) {
        return KetcdServer.call(() -> {
            maintenanceAdmin(caller);
            HashKVResponse r = core.get().reads().hashKV(request);
            return r.toBuilder().setHeader(core.get().header(r.getHeader().getRevision())).build();
        });
    }

    /**
     * A copy of the backend as it is now, in etcd's snapshot shape; a member that is not running
     * (closed, or restarting after a fatal error) answers "server stopped".
     */
    public BackendCopy snapshot(Caller caller) {
        maintenanceAdmin(caller);
        ServerCore running = core.get();
        return stoppedIfClosed(() -> new SnapshotCopy(running.backendSnapshot()));
    }

    /** Hashes a copy of the backend taken now, on a thread of its own (it reads the whole backend). */
    public CompletableFuture<HashResponse> hash(Caller caller) {
        try {
            maintenanceAdmin(caller);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return onOwnThread("ketcd-hash", running -> {
            long revision = running.currentRevision();
            try (BackendSnapshot copy = running.backendSnapshot()) {
                return HashResponse.newBuilder().setHeader(core.get().header(revision)).setHash(BackendHash.of(copy)).build();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * Defragments the backend on a thread of its own: the apply loop waits for it, as etcd's
     * applies wait for its defragmentation, and the caller's thread does not.
     */
    public CompletableFuture<DefragmentResponse> defragment(Caller caller) {
        try {
            maintenanceAdmin(caller);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return onOwnThread("ketcd-defragment", running -> {
            running.defragment();
            return DefragmentResponse.getDefaultInstance();
        });
    }

    /**
     * Runs {@code work} on the member running now, on a new thread named {@code name}: work on
     * the whole backend, which the caller's thread does not wait for.
     */
    private <T> CompletableFuture<T> onOwnThread(String name, Function<ServerCore, T> work) {
        ServerCore running = core.get();
        return CompletableFuture.supplyAsync(() -> stoppedIfClosed(() -> work.apply(running)),
                task -> new Thread(task, name).start());
    }

    /** {@code work}'s result; a backend closed under it (the member stopped) answers "server stopped". */
    private static <T> T stoppedIfClosed(Supplier<T> work) {
        try {
            return work.get();
        } catch (IllegalStateException e) {
            throw EtcdError.STOPPED.exception();
        }
    }

    /**
     * etcd 3.4's authMaintenanceServer: Defragment, Snapshot, Hash and HashKV need a user with
     * the root role, and its refusals reach the client as the auth package's own errors ("auth:
     * permission denied", code UNKNOWN), not as the "etcdserver:" texts other services give.
     */
    private void maintenanceAdmin(Caller caller) {
        try {
            AuthInfo who = authInfo.apply(caller);
            if (who != null) {
                core.get().auth().checkAdmin(who);
            }
        } catch (EtcdException e) {
            throw switch (e.error()) {
                case PERMISSION_DENIED -> EtcdError.AUTH_RAW_PERMISSION_DENIED.exception();
                case USER_EMPTY -> EtcdError.AUTH_RAW_USER_EMPTY.exception();
                case USER_NOT_FOUND -> EtcdError.AUTH_RAW_USER_NOT_FOUND.exception();
                case INVALID_AUTH_TOKEN -> EtcdError.AUTH_RAW_INVALID_TOKEN.exception();
                default -> e;
            };
        }
    }
}
