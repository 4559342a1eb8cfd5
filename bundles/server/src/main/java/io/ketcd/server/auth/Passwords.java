package io.ketcd.server.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;

/**
 * bcrypt as etcd's Go {@code golang.org/x/crypto/bcrypt} writes and reads it: {@code $2a$}
 * hashes at etcd's {@code bcrypt-cost} (default 10), so users restored from an etcd snapshot
 * log in with their passwords, and etcd would accept ketcd's hashes. Slow by design (about
 * 50-100 ms at cost 10): callers run it off the raft and apply loops.
 */
public final class Passwords {
    public static final int DEFAULT_COST = 10;

    private Passwords() {
    }

    public static String hash(String password, int cost) {
        return new String(BCrypt.with(BCrypt.Version.VERSION_2A).hash(cost, password.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
    }

    /** Whether {@code password} matches {@code hash}; false for anything that is not a bcrypt hash. */
    public static boolean matches(String password, byte[] hash) {
        if (hash.length == 0) {
            return false;
        }
        return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash).verified;
    }
}
