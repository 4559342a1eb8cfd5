package io.ketcd.server.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's {@code simple} tokens: {@code <16 random letters>.<raft index>}, made by the member that
 * proposes the Authenticate (the letters) and assigned on every member when it is applied (the
 * index), so any member knows them. Each is good for {@code auth-token-ttl} after its last use,
 * as etcd's TTL keeper resets a token's time whenever it is used; it carries the auth revision
 * at which it was assigned, so a later change of the auth store makes it "old" and the client
 * authenticates again. Deleting or changing a user drops its tokens; disabling auth drops all.
 */
public final class SimpleTokens implements TokenProvider {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int PREFIX_LENGTH = 16;

    private record Assigned(AuthInfo info, long expiresAtNanos) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Assigned> tokens = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier nanoClock;

    public SimpleTokens(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    /** The random part of a new token, made by the proposing member. */
    @Override
    public String newPrefix() {
        StringBuilder b = new StringBuilder(PREFIX_LENGTH);
        for (int i = 0; i < PREFIX_LENGTH; i++) {
            b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return b.toString();
    }

    /** Assigns {@code prefix.index} to the user, at auth revision {@code revision}; returns the token. */
    @Override
    public String assign(String prefix, long index, String username, long revision) {
        String token = prefix + "." + index;
        long now = nanoClock.getAsLong();
        tokens.put(token, new Assigned(new AuthInfo(username, revision), now + ttlNanos));
        // expired tokens of clients that never came back go when new ones come
        tokens.values().removeIf(a -> a.expiresAtNanos() - now < 0);
        return token;
    }

    /** Who the token stands for, and another TTL for it; empty when unknown or expired. */
    @Override
    public Optional<AuthInfo> info(String token) {
        long now = nanoClock.getAsLong();
        Assigned a = tokens.get(token);
        if (a == null || a.expiresAtNanos() - now < 0) {
            tokens.remove(token);
            return Optional.empty();
        }
        tokens.replace(token, a, new Assigned(a.info(), now + ttlNanos));
        return Optional.of(a.info());
    }

    @Override
    public void invalidateUser(String username) {
        tokens.values().removeIf(a -> a.info().username().equals(username));
    }

    @Override
    public void clear() {
        tokens.clear();
    }
}
