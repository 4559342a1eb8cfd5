package io.ketcd.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's jwt tokens with each kind of key: round trip, expiry, forgery, verify-only members, bad options. */
class JwtTokensTest {
    @TempDir
    Path dir;

    private Map<String, String> keys(String name, KeyPair pair, String method) throws Exception {
        Path priv = Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        Path pub = Files.writeString(dir.resolve(name + ".pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        return Map.of("pub-key", pub.toString(), "priv-key", priv.toString(), "sign-method", method, "ttl", "5m");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Test
    void everyKindOfKeySignsTokensThatAnotherMemberVerifiesUntilTheyExpire() throws Exception {
        KeyPair rsa = rsa();
        for (var setup : Map.of("RS256", rsa, "PS384", rsa, "ES256", ec()).entrySet()) {
            Map<String, String> options = keys(setup.getKey(), setup.getValue(), setup.getKey());
            Instant now = Instant.parse("2026-12-07T08:00:00Z");
            JwtTokens signer = JwtTokens.from(options, Clock.fixed(now, ZoneOffset.UTC));
            String token = signer.assign("", 17, "alice", 42);

            JwtTokens verifier = JwtTokens.from(Map.of("pub-key", options.get("pub-key"), "sign-method", setup.getKey()),
                    Clock.fixed(now.plusSeconds(60), ZoneOffset.UTC));
            assertThat(verifier.info(token)).as(setup.getKey()).contains(new AuthInfo("alice", 42));
            assertThat(verifier.info(token.substring(0, token.length() - 2) + "xx")).as("forged").isEmpty();
            assertThat(verifier.info("not.a.token")).isEmpty();
            JwtTokens later = JwtTokens.from(options, Clock.fixed(now.plus(Duration.ofMinutes(6)), ZoneOffset.UTC));
            assertThat(later.info(token)).as("expired after its ttl").isEmpty();
            assertThatThrownBy(() -> verifier.assign("", 1, "alice", 1)).as("a member without the private key")
                    .isInstanceOfSatisfying(EtcdException.class, e -> assertThat(e.error()).isEqualTo(EtcdError.AUTH_FAILED));
        }
    }

    @Test
    void badOptionsStopTheStart() throws Exception {
        Map<String, String> rsaKeys = keys("rsa", rsa(), "RS256");
        assertThatThrownBy(() -> JwtTokens.from(Map.of("pub-key", rsaKeys.get("pub-key"), "sign-method", "HS256"),
                Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sign-method");
        assertThatThrownBy(() -> JwtTokens.from(Map.of("pub-key", rsaKeys.get("pub-key"), "sign-method", "ES256"),
                Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not go with");
        assertThatThrownBy(() -> JwtTokens.from(Map.of("sign-method", "RS256"), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pub-key");
        assertThatThrownBy(() -> TokenProviders.from("opaque", Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown token type");
    }
}
