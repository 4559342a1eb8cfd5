package io.ketcd.server.auth;

import java.util.Optional;

/**
 * etcd's {@code auth-token} kinds: what an Authenticate hands out and what a request's token
 * stands for. {@link SimpleTokens} are random strings every member keeps in memory; {@link JwtTokens}
 * are signed claims any member holding the public key verifies.
 */
public interface TokenProvider {

    /** What the proposing member puts into an Authenticate entry (simple tokens' random part). */
    String newPrefix();

    /** The token for {@code username} at auth revision {@code revision}, as the entry at {@code index} is applied. */
    String assign(String prefix, long index, String username, long revision);

    /** Who the token stands for; empty for an unknown, expired or forged one. */
    Optional<AuthInfo> info(String token);

    /** The user was deleted or its password changed: its tokens end, where the kind can end them. */
    void invalidateUser(String username);

    /** Auth was disabled: every token ends, where the kind can end them. */
    void clear();
}
