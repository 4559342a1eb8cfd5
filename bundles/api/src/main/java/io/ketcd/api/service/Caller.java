package io.ketcd.api.service;

/**
 * Who sends a request, as a client-facing adapter (gRPC) saw it: the auth token from the
 * request's {@code token} metadata and the common name of its verified client certificate, each
 * empty when absent. The server decides from these who the user is (etcd's AuthInfoFromCtx: the
 * token first, then with {@code client-cert-auth} the certificate's CN).
 *
 * <p>{@link #INTERNAL} is a caller inside the node (the Karaf shell, an embedding application),
 * which etcd's auth does not restrict; the facet methods without a caller use it. Network
 * adapters always pass the caller they saw.
 */
public record Caller(String token, String commonName, boolean internal) {
    public static final Caller INTERNAL = new Caller("", "", true);
    public static final Caller ANONYMOUS = new Caller("", "", false);

    /** A client over the network with this token and certificate name (either may be empty). */
    public static Caller client(String token, String commonName) {
        return new Caller(token == null ? "" : token, commonName == null ? "" : commonName, false);
    }
}
