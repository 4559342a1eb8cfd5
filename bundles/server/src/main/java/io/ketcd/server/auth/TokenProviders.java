package io.ketcd.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The token provider etcd's {@code auth-token} flag names: {@code simple}, or {@code jwt,<option>=<value>,...}. */
public final class TokenProviders {
    private TokenProviders() {
    }

    /**
     * @param simpleTtl {@code auth-token-ttl}, how long a simple token lives after its last use
     * @throws IllegalArgumentException for another kind or bad jwt options, as etcd refuses to start
     */
    public static TokenProvider from(String authToken, Duration simpleTtl) {
        String[] parts = authToken.split(",");
        String kind = parts[0].trim();
        if (kind.equals("simple") || kind.isEmpty()) {
            return new SimpleTokens(simpleTtl, System::nanoTime);
        }
        if (!kind.equals("jwt")) {
            throw new IllegalArgumentException("invalid value \"" + authToken + "\" for flag -auth-token: "
                    + "unknown token type \"" + kind + "\" (simple or jwt)");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("invalid value \"" + authToken + "\" for flag -auth-token: "
                        + "expected option=value, got \"" + parts[i] + "\"");
            }
            options.put(kv[0].trim(), kv[1].trim());
        }
        return JwtTokens.from(options, Clock.systemUTC());
    }
}
