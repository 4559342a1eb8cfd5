package io.ketcd.server;

import io.ketcd.api.EtcdError;
import io.ketcd.api.concurrent.NamedThreads;
import io.ketcd.api.service.AuthService;
import io.ketcd.api.service.Caller;
import io.ketcd.proto.etcdserverpb.AuthDisableRequest;
import io.ketcd.proto.etcdserverpb.AuthDisableResponse;
import io.ketcd.proto.etcdserverpb.AuthEnableRequest;
import io.ketcd.proto.etcdserverpb.AuthEnableResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleAddRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleAddResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleDeleteRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleDeleteResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleGetRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleGetResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleListRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleListResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.ketcd.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.ketcd.proto.etcdserverpb.AuthStatusRequest;
import io.ketcd.proto.etcdserverpb.AuthStatusResponse;
import io.ketcd.proto.etcdserverpb.AuthUserAddRequest;
import io.ketcd.proto.etcdserverpb.AuthUserAddResponse;
import io.ketcd.proto.etcdserverpb.AuthUserChangePasswordRequest;
import io.ketcd.proto.etcdserverpb.AuthUserChangePasswordResponse;
import io.ketcd.proto.etcdserverpb.AuthUserDeleteRequest;
import io.ketcd.proto.etcdserverpb.AuthUserDeleteResponse;
import io.ketcd.proto.etcdserverpb.AuthUserGetRequest;
import io.ketcd.proto.etcdserverpb.AuthUserGetResponse;
import io.ketcd.proto.etcdserverpb.AuthUserGrantRoleRequest;
import io.ketcd.proto.etcdserverpb.AuthUserGrantRoleResponse;
import io.ketcd.proto.etcdserverpb.AuthUserListRequest;
import io.ketcd.proto.etcdserverpb.AuthUserListResponse;
import io.ketcd.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import io.ketcd.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import io.ketcd.proto.etcdserverpb.AuthenticateRequest;
import io.ketcd.proto.etcdserverpb.AuthenticateResponse;
import io.ketcd.proto.serverpb.InternalAuthenticateRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.server.auth.AuthStore;
import io.ketcd.server.auth.Passwords;
import io.ketcd.server.auth.TokenProvider;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The member's {@link AuthService}: each request goes through the log, as in etcd, with the
 * caller's user in its header for the admin check at apply time. Passwords are hashed (user add,
 * change password) and checked (authenticate) with bcrypt before anything is proposed, on a pool
 * of its own with a bounded queue: bcrypt is slow by design, and a flood of wrong passwords then
 * waits there, or is refused with "too many requests", instead of holding up the raft and apply
 * loops or the transport threads of other clients.
 */
final class AuthServer implements AuthService, AutoCloseable {
    /** Password work waiting at most; more is refused, so brute force cannot queue without bound. */
    private static final int PASSWORD_QUEUE = 256;

    /** What the auth server needs of the member. */
    interface Member {
        AuthStore auth();

        TokenProvider tokens();

        <T> CompletableFuture<T> propose(Caller caller, InternalRaftRequest.Builder request, Class<T> type);
    }

    private final Member member;
    private final int bcryptCost;
    private final ThreadPoolExecutor passwords;

    AuthServer(Member member, int bcryptCost) {
        this.member = member;
        this.bcryptCost = bcryptCost;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        this.passwords = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(PASSWORD_QUEUE), new NamedThreads("ketcd-bcrypt"));
        this.passwords.allowCoreThreadTimeOut(true);
    }

    /** {@code work} on the password pool; {@code TOO_MANY_REQUESTS} when its queue is full. */
    private <T> CompletableFuture<T> onPasswordPool(Supplier<CompletableFuture<T>> work) {
        try {
            return CompletableFuture.supplyAsync(work, passwords).thenCompose(f -> f);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
    }

    @Override
    public CompletableFuture<AuthEnableResponse> enable(Caller caller, AuthEnableRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthEnable(request), AuthEnableResponse.class);
    }

    @Override
    public CompletableFuture<AuthDisableResponse> disable(Caller caller, AuthDisableRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthDisable(request), AuthDisableResponse.class);
    }

    @Override
    public CompletableFuture<AuthStatusResponse> status(Caller caller, AuthStatusRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthStatus(request), AuthStatusResponse.class);
    }

    /**
     * etcd's Authenticate: the password is checked here, then the token is made through the log
     * (its letters here, its index where it is applied). If the auth store changed between the
     * check and the apply (a password may have changed), the check is made again, as etcd does.
     */
    @Override
    public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest request) {
        return onPasswordPool(() -> {
            long checkedAt = member.auth().checkPassword(request.getName(), request.getPassword());
            InternalAuthenticateRequest internal = InternalAuthenticateRequest.newBuilder().setName(request.getName())
                    .setSimpleToken(member.tokens().newPrefix()).build();
            return member.propose(Caller.INTERNAL, InternalRaftRequest.newBuilder().setAuthenticate(internal),
                    AuthenticateResponse.class).thenCompose(response -> member.auth().revision() == checkedAt
                            ? CompletableFuture.completedFuture(response) : authenticate(request));
        });
    }

    @Override
    public CompletableFuture<AuthUserAddResponse> userAdd(Caller caller, AuthUserAddRequest request) {
        if (request.getOptions().getNoPassword()) {
            return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserAdd(request.toBuilder()
                    .clearPassword().clearHashedPassword()), AuthUserAddResponse.class);
        }
        return onPasswordPool(() -> member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserAdd(
                request.toBuilder().clearPassword().setHashedPassword(hashed(request.getPassword(),
                        request.getHashedPassword()))), AuthUserAddResponse.class));
    }

    @Override
    public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(Caller caller,
            AuthUserChangePasswordRequest request) {
        return onPasswordPool(() -> member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserChangePassword(
                request.toBuilder().clearPassword().setHashedPassword(hashed(request.getPassword(),
                        request.getHashedPassword()))), AuthUserChangePasswordResponse.class));
    }

    /** A hash the client sent (etcd 3.5's hashedPassword), else one of the password. */
    private String hashed(String password, String hashedPassword) {
        return hashedPassword.isEmpty() ? Passwords.hash(password, bcryptCost) : hashedPassword;
    }

    @Override
    public CompletableFuture<AuthUserGetResponse> userGet(Caller caller, AuthUserGetRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserGet(request), AuthUserGetResponse.class);
    }

    @Override
    public CompletableFuture<AuthUserListResponse> userList(Caller caller, AuthUserListRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserList(request), AuthUserListResponse.class);
    }

    @Override
    public CompletableFuture<AuthUserDeleteResponse> userDelete(Caller caller, AuthUserDeleteRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserDelete(request),
                AuthUserDeleteResponse.class);
    }

    @Override
    public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(Caller caller, AuthUserGrantRoleRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserGrantRole(request),
                AuthUserGrantRoleResponse.class);
    }

    @Override
    public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(Caller caller,
            AuthUserRevokeRoleRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthUserRevokeRole(request),
                AuthUserRevokeRoleResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleAddResponse> roleAdd(Caller caller, AuthRoleAddRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleAdd(request), AuthRoleAddResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleGetResponse> roleGet(Caller caller, AuthRoleGetRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleGet(request), AuthRoleGetResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleListResponse> roleList(Caller caller, AuthRoleListRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleList(request), AuthRoleListResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleDeleteResponse> roleDelete(Caller caller, AuthRoleDeleteRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleDelete(request),
                AuthRoleDeleteResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(Caller caller,
            AuthRoleGrantPermissionRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleGrantPermission(request),
                AuthRoleGrantPermissionResponse.class);
    }

    @Override
    public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(Caller caller,
            AuthRoleRevokePermissionRequest request) {
        return member.propose(caller, InternalRaftRequest.newBuilder().setAuthRoleRevokePermission(request),
                AuthRoleRevokePermissionResponse.class);
    }

    @Override
    public void close() {
        passwords.shutdownNow();
    }
}
