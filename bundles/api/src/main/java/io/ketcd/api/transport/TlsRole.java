package io.ketcd.api.transport;

import java.util.Locale;

/**
 * The two sets of TLS flags etcd has: the client ones ({@code cert-file}, ...) secure client
 * listeners, the peer ones ({@code peer-cert-file}, ...) secure peer listeners and the member's
 * own connections to its peers.
 */
public enum TlsRole {
    CLIENT,
    PEER;

    /** The value of {@link TlsPolicy#ROLE_PROPERTY}: {@code client} or {@code peer}. */
    public String property() {
        return name().toLowerCase(Locale.ROOT);
    }
}
