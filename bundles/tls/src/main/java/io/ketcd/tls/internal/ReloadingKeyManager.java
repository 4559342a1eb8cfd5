package io.ketcd.tls.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the certificate of the files as they are at the moment of each handshake (etcd reads
 * them on every handshake too: {@code GetCertificate} and {@code GetClientCertificate}), on both
 * sides: serving, and dialing a peer for mutual TLS. Like Go, the client side presents its
 * certificate whatever CAs the server names, provided the key type fits.
 *
 * <p>Each version of the files has its own alias; the one chosen and the one before stay
 * resolvable, so a rotation in the middle of a handshake cannot pair one version's chain with
 * another's key. Thread-safe.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private final ReloadingFile<KeyMaterial> files;
    /** The last two versions handed out, newest first; replaced as a pair. */
    private volatile KeyMaterial[] recent;

    public ReloadingKeyManager(ReloadingFile<KeyMaterial> files) {
        this.files = files;
        KeyMaterial first = files.current();
        this.recent = new KeyMaterial[] {first, first};
    }

    /** The version in force now, re-read if the files changed. */
    public KeyMaterial current() {
        KeyMaterial now = files.current();
        KeyMaterial[] seen = recent;
        if (seen[0] != now) {
            synchronized (this) {
                if (recent[0] != now) {
                    recent = new KeyMaterial[] {now, recent[0]};
                }
            }
        }
        return now;
    }

    private String aliasFor(String[] keyTypes) {
        KeyMaterial now = current();
        return keyTypes == null || Arrays.asList(keyTypes).contains(now.keyType()) ? now.alias() : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(new String[] {keyType});
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(new String[] {keyType});
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(new String[] {keyType});
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial m = byAlias(alias);
        return m == null ? null : m.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial m = byAlias(alias);
        return m == null ? null : m.key();
    }

    private KeyMaterial byAlias(String alias) {
        for (KeyMaterial m : recent) {
            if (m.alias().equals(alias)) {
                return m;
            }
        }
        return null;
    }
}
