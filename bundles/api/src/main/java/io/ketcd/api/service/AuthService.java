package io.ketcd.api.service;

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

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code etcdserverpb.Auth} service: users, roles, permissions, enabling auth, and
 * Authenticate, which trades a user name and password for a token. Every method but
 * {@link #authenticate} and {@link #status} needs, once auth is enabled, a caller with the root
 * role (a user may also get itself and its own roles), as in etcd. No method blocks.
 */
@ProviderType
public interface AuthService {
    CompletableFuture<AuthEnableResponse> enable(Caller caller, AuthEnableRequest request);

    CompletableFuture<AuthDisableResponse> disable(Caller caller, AuthDisableRequest request);

    CompletableFuture<AuthStatusResponse> status(Caller caller, AuthStatusRequest request);

    CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest request);

    CompletableFuture<AuthUserAddResponse> userAdd(Caller caller, AuthUserAddRequest request);

    CompletableFuture<AuthUserGetResponse> userGet(Caller caller, AuthUserGetRequest request);

    CompletableFuture<AuthUserListResponse> userList(Caller caller, AuthUserListRequest request);

    CompletableFuture<AuthUserDeleteResponse> userDelete(Caller caller, AuthUserDeleteRequest request);

    CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(Caller caller,
            AuthUserChangePasswordRequest request);

    CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(Caller caller, AuthUserGrantRoleRequest request);

    CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(Caller caller, AuthUserRevokeRoleRequest request);

    CompletableFuture<AuthRoleAddResponse> roleAdd(Caller caller, AuthRoleAddRequest request);

    CompletableFuture<AuthRoleGetResponse> roleGet(Caller caller, AuthRoleGetRequest request);

    CompletableFuture<AuthRoleListResponse> roleList(Caller caller, AuthRoleListRequest request);

    CompletableFuture<AuthRoleDeleteResponse> roleDelete(Caller caller, AuthRoleDeleteRequest request);

    CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(Caller caller,
            AuthRoleGrantPermissionRequest request);

    CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(Caller caller,
            AuthRoleRevokePermissionRequest request);
}
