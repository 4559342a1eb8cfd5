package io.ketcd.tls.internal;

import io.ketcd.tls.PemFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One version of a certificate chain and its private key, under an alias of its own so a
 * handshake that chose this version gets this version's chain and key even if the files rotate
 * in between.
 */
public record KeyMaterial(String alias, List<X509Certificate> chain, PrivateKey key) {
    private static final AtomicLong VERSIONS = new AtomicLong();
    private static final byte[] PROBE = "ketcd key pair check".getBytes(StandardCharsets.US_ASCII);

    public KeyMaterial {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The key algorithm, {@code RSA} or {@code EC}, as JSSE names key types. */
    public String keyType() {
        return key.getAlgorithm();
    }

    /**
     * Reads a certificate file and its key file and checks that they belong together (a rotation
     * may have replaced one and not yet the other).
     */
    public static KeyMaterial load(Path certFile, Path keyFile) throws Exception {
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        requireMatching(chain.get(0), key, certFile, keyFile);
        return new KeyMaterial("ketcd-" + VERSIONS.incrementAndGet(), chain, key);
    }

    private static void requireMatching(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
            throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm() + " in " + keyFile);
        };
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(PROBE);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            // Go's tls.X509KeyPair says the same
            throw new GeneralSecurityException("private key in " + keyFile + " does not match public key in " + certFile);
        }
    }
}
