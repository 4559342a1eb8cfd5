package io.ketcd.server.internal;

import io.ketcd.proto.authpb.User;
import io.ketcd.proto.etcdserverpb.AuthDisableResponse;
import io.ketcd.proto.etcdserverpb.AuthEnableResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleAddResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleDeleteResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleGetResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleListResponse;
import io.ketcd.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.ketcd.proto.etcdserverpb.AuthStatusResponse;
import io.ketcd.proto.etcdserverpb.AuthUserAddResponse;
import io.ketcd.proto.etcdserverpb.AuthUserChangePasswordResponse;
import io.ketcd.proto.etcdserverpb.AuthUserDeleteResponse;
import io.ketcd.proto.etcdserverpb.AuthUserGetResponse;
import io.ketcd.proto.etcdserverpb.AuthUserGrantRoleResponse;
import io.ketcd.proto.etcdserverpb.AuthUserListResponse;
import io.ketcd.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import io.ketcd.proto.etcdserverpb.AuthenticateResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;
import io.ketcd.server.auth.AuthInfo;
import io.ketcd.server.auth.AuthStore;

import java.util.EnumSet;
import java.util.Set;

/**
 * Applies etcd's auth requests to the auth store, with etcd's admin rule (its authApplierV3):
 * with auth on, every change and the user and role lists need a user with the root role, a
 * user may get itself and the roles it has, and Authenticate and AuthStatus need nobody.
 */
final class AuthApplier implements RequestApplier {

    private static final Set<RequestCase> ADMIN_ONLY = EnumSet.of(RequestCase.AUTH_ENABLE, RequestCase.AUTH_DISABLE,
            RequestCase.AUTH_USER_ADD, RequestCase.AUTH_USER_DELETE, RequestCase.AUTH_USER_CHANGE_PASSWORD,
            RequestCase.AUTH_USER_GRANT_ROLE, RequestCase.AUTH_USER_REVOKE_ROLE, RequestCase.AUTH_ROLE_ADD,
            RequestCase.AUTH_ROLE_GRANT_PERMISSION, RequestCase.AUTH_ROLE_REVOKE_PERMISSION,
            RequestCase.AUTH_ROLE_DELETE, RequestCase.AUTH_USER_LIST, RequestCase.AUTH_ROLE_LIST);

    @Override
    public Set<RequestCase> requests() {
        Set<RequestCase> all = EnumSet.copyOf(ADMIN_ONLY);
        all.addAll(EnumSet.of(RequestCase.AUTHENTICATE, RequestCase.AUTH_STATUS, RequestCase.AUTH_USER_GET,
                RequestCase.AUTH_ROLE_GET));
        return all;
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        AuthStore auth = state.auth();
        AuthInfo who = new AuthInfo(r.getHeader().getUsername(), r.getHeader().getAuthRevision());
        if (ADMIN_ONLY.contains(r.getRequestCase())) {
            auth.checkAdmin(who);
        } else if (r.getRequestCase() == RequestCase.AUTH_USER_GET && !r.getAuthUserGet().getName().equals(who.username())) {
            auth.checkAdmin(who);
        } else if (r.getRequestCase() == RequestCase.AUTH_ROLE_GET && !auth.hasRole(who.username(), r.getAuthRoleGet().getRole())) {
            auth.checkAdmin(who);
        }
        return state.backend().write(() -> {
            Object response = change(auth, r, index, header(state));
            state.backend().setConsistentIndex(index);
            return response;
        });
    }

    /** Applies one request; a refused one throws before it changed anything. */
    private static Object change(AuthStore auth, InternalRaftRequest r, long index, ResponseHeader header) {
        return switch (r.getRequestCase()) {
            case AUTH_ENABLE -> {
                auth.enable();
                yield AuthEnableResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_DISABLE -> {
                auth.disable();
                yield AuthDisableResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_STATUS -> AuthStatusResponse.newBuilder().setHeader(header).setEnabled(auth.enabled())
                    .setAuthRevision(auth.revision()).build();
            case AUTHENTICATE -> AuthenticateResponse.newBuilder().setHeader(header)
                    .setToken(auth.authenticate(r.getAuthenticate().getName(), r.getAuthenticate().getSimpleToken(), index))
                    .build();
            case AUTH_USER_ADD -> {
                var add = r.getAuthUserAdd();
                auth.userAdd(add.getName(), add.getHashedPassword(), add.getOptions().getNoPassword());
                yield AuthUserAddResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_USER_DELETE -> {
                auth.userDelete(r.getAuthUserDelete().getName());
                yield AuthUserDeleteResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_USER_CHANGE_PASSWORD -> {
                var change = r.getAuthUserChangePassword();
                auth.userChangePassword(change.getName(), change.getHashedPassword());
                yield AuthUserChangePasswordResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_USER_GRANT_ROLE -> {
                auth.userGrantRole(r.getAuthUserGrantRole().getUser(), r.getAuthUserGrantRole().getRole());
                yield AuthUserGrantRoleResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_USER_REVOKE_ROLE -> {
                auth.userRevokeRole(r.getAuthUserRevokeRole().getName(), r.getAuthUserRevokeRole().getRole());
                yield AuthUserRevokeRoleResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_USER_GET -> {
                User user = auth.user(r.getAuthUserGet().getName());
                if (user == null) {
                    throw io.ketcd.api.EtcdError.USER_NOT_FOUND.exception();
                }
                yield AuthUserGetResponse.newBuilder().setHeader(header).addAllRoles(user.getRolesList()).build();
            }
            case AUTH_USER_LIST -> AuthUserListResponse.newBuilder().setHeader(header).addAllUsers(auth.userNames())
                    .build();
            case AUTH_ROLE_ADD -> {
                auth.roleAdd(r.getAuthRoleAdd().getName());
                yield AuthRoleAddResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_ROLE_DELETE -> {
                auth.roleDelete(r.getAuthRoleDelete().getRole());
                yield AuthRoleDeleteResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_ROLE_GET -> {
                var role = auth.role(r.getAuthRoleGet().getRole());
                if (role == null) {
                    throw io.ketcd.api.EtcdError.ROLE_NOT_FOUND.exception();
                }
                yield AuthRoleGetResponse.newBuilder().setHeader(header).addAllPerm(role.getKeyPermissionList()).build();
            }
            case AUTH_ROLE_LIST -> AuthRoleListResponse.newBuilder().setHeader(header).addAllRoles(auth.roleNames())
                    .build();
            case AUTH_ROLE_GRANT_PERMISSION -> {
                auth.roleGrantPermission(r.getAuthRoleGrantPermission().getName(), r.getAuthRoleGrantPermission().getPerm());
                yield AuthRoleGrantPermissionResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_ROLE_REVOKE_PERMISSION -> {
                var revoke = r.getAuthRoleRevokePermission();
                auth.roleRevokePermission(revoke.getRole(), revoke.getKey(), revoke.getRangeEnd());
                yield AuthRoleRevokePermissionResponse.newBuilder().setHeader(header).build();
            }
            default -> throw new IllegalArgumentException("not an auth request: " + r.getRequestCase());
        };
    }

    private static ResponseHeader header(AppliedState state) {
        return ResponseHeader.newBuilder().setRevision(state.kv().currentRevision()).build();
    }
}
