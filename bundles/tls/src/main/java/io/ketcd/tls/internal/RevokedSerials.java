package io.ketcd.tls.internal;

import io.ketcd.tls.PemFiles;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The serial numbers a CRL revokes, checked as etcd's {@code checkCRL} checks them: any
 * certificate of the presented chain whose serial is listed is refused. Like etcd, the CRL's
 * issuer and signature are not checked: the operator's file is trusted as given.
 */
public record RevokedSerials(Set<BigInteger> serials) {
    public RevokedSerials {
        serials = Set.copyOf(serials);
    }

    public static RevokedSerials load(Path crlFile) throws Exception {
        X509CRL crl = PemFiles.crl(crlFile);
        Set<BigInteger> serials = new HashSet<>();
        Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
        if (entries != null) {
            for (X509CRLEntry entry : entries) {
                serials.add(entry.getSerialNumber());
            }
        }
        return new RevokedSerials(serials);
    }

    /** Why the chain is refused (etcd's message), or empty when no certificate of it is revoked. */
    public Optional<String> refusal(List<X509Certificate> chain) {
        for (X509Certificate cert : chain) {
            if (serials.contains(cert.getSerialNumber())) {
                return Optional.of("transport: certificate serial " + cert.getSerialNumber().toString(16) + " revoked");
            }
        }
        return Optional.empty();
    }
}
