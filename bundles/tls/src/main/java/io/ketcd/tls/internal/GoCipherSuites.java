package io.ketcd.tls.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's {@code --cipher-suites} names, which are Go's ({@code tlsutil.GetCipherSuite}: every
 * name of {@code tls.CipherSuites()} and {@code tls.InsecureCipherSuites()}, plus the two
 * CHACHA20 aliases without {@code _SHA256}), and the JSSE name of each.
 *
 * <p>Go applies the list to TLS 1.2 and below only; TLS 1.3 suites are accepted by name but are
 * not configurable, so they map to the TLS 1.3 suites JSSE keeps enabled anyway.
 */
public final class GoCipherSuites {
    /** The TLS 1.3 suites, the same names in Go and JSSE. */
    public static final Set<String> TLS13 = Set.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private static final Map<String, String> TLS12_GO_TO_JSSE = tls12();

    private GoCipherSuites() {
    }

    private static Map<String, String> tls12() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String same : List.of(
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
                "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")) {
            m.put(same, same);
        }
        // JSSE keeps the SSL_ prefix for the suites SSL 3.0 already had.
        m.put("TLS_RSA_WITH_RC4_128_SHA", "SSL_RSA_WITH_RC4_128_SHA");
        m.put("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "SSL_RSA_WITH_3DES_EDE_CBC_SHA");
        // etcd's own aliases (tlsutil.GetCipherSuite) for Go's older names.
        m.put("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        m.put("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        return Collections.unmodifiableMap(m);
    }

    /**
     * The JSSE names of the TLS 1.2 suites among {@code goNames}, in the given order (the order is
     * the server's preference, as in etcd); TLS 1.3 names are accepted and left out.
     *
     * @throws IllegalArgumentException {@code unexpected TLS cipher suite "x"}, etcd's error, for a
     *     name Go does not know
     */
    public static List<String> tls12JsseNames(List<String> goNames) {
        return goNames.stream()
                .peek(GoCipherSuites::requireKnown)
                .filter(name -> !TLS13.contains(name))
                .map(TLS12_GO_TO_JSSE::get)
                .distinct()
                .toList();
    }

    private static void requireKnown(String goName) {
        if (!TLS13.contains(goName) && !TLS12_GO_TO_JSSE.containsKey(goName)) {
            throw new IllegalArgumentException("unexpected TLS cipher suite \"" + goName + "\"");
        }
    }
}
