package io.ketcd.grpc.internal;

import io.grpc.stub.StreamObserver;
import io.ketcd.api.service.AuthService;
import io.ketcd.grpc.internal.stub.AuthGrpc;
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

/** Auth: every method is the auth service's, with the call's {@link Callers#current() caller}. */
record AuthCalls(AuthService server, UnaryReplies replies) implements AuthGrpc.AsyncService {
    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> observer) {
        replies.reply("Auth/AuthEnable", () -> server.enable(Callers.current(), request), observer);
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> observer) {
        replies.reply("Auth/AuthDisable", () -> server.disable(Callers.current(), request), observer);
    }

    @Override
    public void authStatus(AuthStatusRequest request, StreamObserver<AuthStatusResponse> observer) {
        replies.reply("Auth/AuthStatus", () -> server.status(Callers.current(), request), observer);
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> observer) {
        replies.reply("Auth/Authenticate", () -> server.authenticate(request), observer);
    }

    @Override
    public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> observer) {
        replies.reply("Auth/UserAdd", () -> server.userAdd(Callers.current(), request), observer);
    }

    @Override
    public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> observer) {
        replies.reply("Auth/UserGet", () -> server.userGet(Callers.current(), request), observer);
    }

    @Override
    public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> observer) {
        replies.reply("Auth/UserList", () -> server.userList(Callers.current(), request), observer);
    }

    @Override
    public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> observer) {
        replies.reply("Auth/UserDelete", () -> server.userDelete(Callers.current(), request), observer);
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest request,
            StreamObserver<AuthUserChangePasswordResponse> observer) {
        replies.reply("Auth/UserChangePassword", () -> server.userChangePassword(Callers.current(), request), observer);
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> observer) {
        replies.reply("Auth/UserGrantRole", () -> server.userGrantRole(Callers.current(), request), observer);
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> observer) {
        replies.reply("Auth/UserRevokeRole", () -> server.userRevokeRole(Callers.current(), request), observer);
    }

    @Override
    public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> observer) {
        replies.reply("Auth/RoleAdd", () -> server.roleAdd(Callers.current(), request), observer);
    }

    @Override
    public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> observer) {
        replies.reply("Auth/RoleGet", () -> server.roleGet(Callers.current(), request), observer);
    }

    @Override
    public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> observer) {
        replies.reply("Auth/RoleList", () -> server.roleList(Callers.current(), request), observer);
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> observer) {
        replies.reply("Auth/RoleDelete", () -> server.roleDelete(Callers.current(), request), observer);
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
            StreamObserver<AuthRoleGrantPermissionResponse> observer) {
        replies.reply("Auth/RoleGrantPermission", () -> server.roleGrantPermission(Callers.current(), request), observer);
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
            StreamObserver<AuthRoleRevokePermissionResponse> observer) {
        replies.reply("Auth/RoleRevokePermission", () -> server.roleRevokePermission(Callers.current(), request),
                observer);
    }
}
