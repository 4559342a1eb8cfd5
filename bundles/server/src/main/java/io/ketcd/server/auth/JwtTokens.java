package io.ketcd.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import io.ketcd.api.config.Flags;
import io.ketcd.tls.PemFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's {@code jwt} tokens ({@code auth-token=jwt,pub-key=...,priv-key=...,sign-method=RS256,ttl=5m}):
 * a signed JWT with claims {@code username}, {@code revision} and {@code exp}, so any member with
 * the public key verifies a token another member signed, and nothing is kept in memory. A member
 * given only {@code pub-key} verifies but cannot issue (its Authenticate fails). Tokens live until
 * they expire; changes of the auth store still end them through the revision they carry.
 */
public final class JwtTokens implements TokenProvider {
    private static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    private JwtTokens(JWSAlgorithm algorithm, JWSSigner signer, JWSVerifier verifier, Duration ttl, Clock clock) {
        this.algorithm = algorithm;
        this.signer = signer;
        this.verifier = verifier;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * From etcd's options ({@code pub-key}, {@code priv-key}, {@code sign-method}, {@code ttl}).
     *
     * @throws IllegalArgumentException naming what is wrong, as etcd refuses to start on it
     */
    static JwtTokens from(Map<String, String> options, Clock clock) {
        String method = options.getOrDefault("sign-method", "");
        JWSAlgorithm algorithm = switch (method) {
            case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" -> JWSAlgorithm.parse(method);
            default -> throw new IllegalArgumentException("invalid value \"" + method + "\" for jwt sign-method: one of "
                    + "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512");
        };
        String pub = options.get("pub-key");
        if (pub == null || pub.isEmpty()) {
            throw new IllegalArgumentException("jwt auth-token needs pub-key");
        }
        try {
            PublicKey publicKey = PemFiles.publicKey(Path.of(pub));
            JWSVerifier verifier = publicKey instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa)
                    : publicKey instanceof ECPublicKey ec ? new ECDSAVerifier(ec) : null;
            if (verifier == null || !verifier.supportedJWSAlgorithms().contains(algorithm)) {
                throw new IllegalArgumentException("jwt pub-key " + pub + " (" + publicKey.getAlgorithm()
                        + ") does not go with sign-method " + method);
            }
            JWSSigner signer = null;
            String priv = options.get("priv-key");
            if (priv != null && !priv.isEmpty()) {
                PrivateKey privateKey = PemFiles.privateKey(Path.of(priv));
                signer = privateKey instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(privateKey);
                if (!signer.supportedJWSAlgorithms().contains(algorithm)) {
                    throw new IllegalArgumentException("jwt priv-key " + priv + " does not go with sign-method " + method);
                }
            }
            String ttl = options.get("ttl");
            return new JwtTokens(algorithm, signer, verifier, ttl == null ? DEFAULT_TTL : Flags.goDuration(ttl), clock);
        } catch (IOException | JOSEException e) {
            throw new IllegalArgumentException("cannot read the jwt keys: " + e.getMessage(), e);
        }
    }

    @Override
    public String newPrefix() {
        return "";
    }

    @Override
    public String assign(String prefix, long index, String username, long revision) {
        if (signer == null) {
            throw io.ketcd.api.EtcdError.AUTH_FAILED.exception();
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder().claim("username", username).claim("revision", revision)
                .expirationTime(Date.from(clock.instant().plus(ttl))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a jwt token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    @Override
    public Optional<AuthInfo> info(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.getHeader().getAlgorithm().equals(algorithm) || !jwt.verify(verifier)) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires == null || !expires.toInstant().isAfter(clock.instant())) {
                return Optional.empty();
            }
            String username = claims.getStringClaim("username");
            Number revision = (Number) claims.getClaim("revision");
            if (username == null || revision == null) {
                return Optional.empty();
            }
            return Optional.of(new AuthInfo(username, revision.longValue()));
        } catch (ParseException | JOSEException | ClassCastException e) {
            return Optional.empty();
        }
    }

    @Override
    public void invalidateUser(String username) {
        // a signed token cannot be taken back; the revision it carries makes it old
    }

    @Override
    public void clear() {
        // likewise: with auth off, tokens are not looked at
    }
}
