package io.ketcd.server.auth;

/**
 * Who a request comes from, as the auth store checked it (etcd's {@code auth.AuthInfo}): the
 * user and the auth revision its token was checked at. {@link #NONE} is a request without a user
 * (auth off, or no token given).
 */
public record AuthInfo(String username, long revision) {
    public static final AuthInfo NONE = new AuthInfo("", 0);

    public boolean isNone() {
        return username.isEmpty();
    }
}
