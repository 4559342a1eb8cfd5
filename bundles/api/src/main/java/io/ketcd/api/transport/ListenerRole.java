package io.ketcd.api.transport;

import java.util.Locale;

/** What a listener serves, which decides its flag, its TLS policy and its socket timeouts. */
public enum ListenerRole {
    /** etcd's client gRPC API, on {@code listen-client-urls}. */
    CLIENT("listen-client-urls", TlsRole.CLIENT),
    /** The client HTTP endpoints (health, version, metrics, ...), on {@code listen-client-http-urls}. */
    CLIENT_HTTP("listen-client-http-urls", TlsRole.CLIENT),
    /** The raft transport between members, on {@code listen-peer-urls}. */
    PEER("listen-peer-urls", TlsRole.PEER);

    private final String flag;
    private final TlsRole tlsRole;

    ListenerRole(String flag, TlsRole tlsRole) {
        this.flag = flag;
        this.tlsRole = tlsRole;
    }

    /** The etcd flag that lists this role's URLs. */
    public String flag() {
        return flag;
    }

    /** The TLS policy that secures this role's {@code https} and {@code unixs} URLs. */
    public TlsRole tlsRole() {
        return tlsRole;
    }

    /** {@code client}, {@code client-http} or {@code peer}, as {@code etcd:listeners} prints it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
