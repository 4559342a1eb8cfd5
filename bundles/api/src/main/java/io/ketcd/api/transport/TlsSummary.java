package io.ketcd.api.transport;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link TlsPolicy} currently serves, for operators ({@code etcd:listeners}).
 *
 * @param protocols the enabled TLS versions, e.g. {@code TLSv1.2, TLSv1.3}
 * @param cipherSuites the enabled cipher suites (JSSE names)
 * @param subject the served certificate's subject, empty without a certificate
 * @param notAfter the served certificate's expiry, empty without a certificate
 * @param clientCertAuth whether clients must present a certificate the trusted CAs signed
 */
public record TlsSummary(
        List<String> protocols,
        List<String> cipherSuites,
        Optional<String> subject,
        Optional<Instant> notAfter,
        boolean clientCertAuth) {

    public TlsSummary {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }
}
