package io.ketcd.tls;

import io.ketcd.api.config.Flags;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.internal.GoCipherSuites;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One role's TLS flags, validated as etcd validates them. Built by {@link #from} from
 * configuration properties and the environment ({@code ETCD_<FLAG>} wins), or directly.
 *
 * @param role whose flags these are: the client ones ({@code cert-file}, ...) or the peer ones
 *     ({@code peer-cert-file}, ...)
 * @param certFile the PEM certificate chain to serve, leaf first
 * @param keyFile the PEM private key of the leaf (PKCS#1, PKCS#8 or SEC1)
 * @param trustedCaFile the PEM CA bundle that client certificates (and, dialing, servers) must
 *     chain to; as in etcd, setting it also makes client certificates mandatory
 * @param clientCertAuth {@code client-cert-auth} / {@code peer-client-cert-auth}
 * @param crlFile a CRL (PEM or DER) whose serials are refused among client certificates
 * @param autoTls {@code auto-tls} / {@code peer-auto-tls}; ignored when certificate files are given
 * @param autoTlsDir where auto-tls keeps its certificate: {@code <data-dir>/fixtures/<role>}
 * @param autoTlsHosts the hosts the auto-tls certificate is for (IPs and DNS names)
 * @param selfSignedCertValidityYears the auto-tls certificate's validity, in years (at least 1)
 * @param allowedCns peer role: a peer's certificate must have one of these subject CNs
 * @param allowedHostnames peer role: a peer's certificate must be valid for one of these hosts
 * @param cipherSuites the TLS 1.2 cipher suites, JSSE names in order of preference; empty for
 *     the JDK's defaults. TLS 1.3 suites are not configurable (as in Go).
 * @param minVersion {@code TLSv1.2} or {@code TLSv1.3}
 * @param maxVersion {@code TLSv1.2} or {@code TLSv1.3}, not below {@code minVersion}
 */
public record TlsSettings(
        TlsRole role,
        Optional<Path> certFile,
        Optional<Path> keyFile,
        Optional<Path> trustedCaFile,
        boolean clientCertAuth,
        Optional<Path> crlFile,
        boolean autoTls,
        Path autoTlsDir,
        List<String> autoTlsHosts,
        int selfSignedCertValidityYears,
        List<String> allowedCns,
        List<String> allowedHostnames,
        List<String> cipherSuites,
        String minVersion,
        String maxVersion) {

    public static final String TLS12 = "TLSv1.2";
    public static final String TLS13 = "TLSv1.3";

    /** Every key {@link #from} reads, in etcd's spelling, with etcd's defaults ("" = unset). */
    public static final Map<String, String> KEYS = keys();

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("cert-file", "");
        k.put("key-file", "");
        k.put("trusted-ca-file", "");
        k.put("client-cert-auth", "false");
        k.put("client-crl-file", "");
        k.put("auto-tls", "false");
        k.put("peer-cert-file", "");
        k.put("peer-key-file", "");
        k.put("peer-trusted-ca-file", "");
        k.put("peer-client-cert-auth", "false");
        k.put("peer-crl-file", "");
        k.put("peer-auto-tls", "false");
        k.put("peer-cert-allowed-cn", "");
        k.put("peer-cert-allowed-hostname", "");
        k.put("cipher-suites", "");                  // Go's names; empty: the defaults
        k.put("tls-min-version", "TLS1.2");
        k.put("tls-max-version", "");                // etcd: "" lets Go pick, the highest (TLS1.3)
        k.put("self-signed-cert-validity", "1");     // years
        k.put("name", "default");
        k.put("data-dir", "");                       // etcd: "${name}.etcd"
        k.put("listen-client-urls", "http://localhost:2379");
        k.put("listen-client-http-urls", "http://localhost:2381");
        k.put("listen-peer-urls", "http://localhost:2380");
        return Collections.unmodifiableMap(k);
    }

    public TlsSettings {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(trustedCaFile, "trustedCaFile");
        Objects.requireNonNull(crlFile, "crlFile");
        Objects.requireNonNull(autoTlsDir, "autoTlsDir");
        autoTlsHosts = List.copyOf(autoTlsHosts);
        allowedCns = List.copyOf(allowedCns);
        allowedHostnames = List.copyOf(allowedHostnames);
        cipherSuites = List.copyOf(cipherSuites);
        if (certFile.isPresent() != keyFile.isPresent()) {
            // etcd's baseConfig error
            throw new IllegalArgumentException("KeyFile and CertFile must both be present[key: "
                    + keyFile.map(Path::toString).orElse("") + ", cert: " + certFile.map(Path::toString).orElse("") + "]");
        }
        if (!allowedCns.isEmpty() && !allowedHostnames.isEmpty()) {
            throw new IllegalArgumentException("AllowedCN and AllowedHostname are mutually exclusive (cn="
                    + quoted(allowedCns) + ", hostname=" + quoted(allowedHostnames) + ")");
        }
        requireVersion(minVersion);
        requireVersion(maxVersion);
        if (minVersion.equals(TLS13) && maxVersion.equals(TLS12)) {
            throw new IllegalArgumentException("min version (TLS1.3) is greater than max version (TLS1.2)");
        }
        if (minVersion.equals(TLS13) && !cipherSuites.isEmpty()) {
            throw new IllegalArgumentException("cipher suites cannot be configured when only TLS1.3 is enabled");
        }
        if (autoTls && certFile.isEmpty() && selfSignedCertValidityYears <= 0) {
            throw new IllegalArgumentException("selfSignedCertValidity is invalid,it should be greater than 0");
        }
    }

    /**
     * Reads {@code role}'s flags from {@code properties}, each overridden by its {@code ETCD_*}
     * variable in {@code environment}; keys not in {@link #KEYS} are ignored.
     *
     * @throws IllegalArgumentException in etcd's words, for a value etcd refuses: an unknown
     *     cipher suite or TLS version, min above max, cipher suites with TLS1.3 only, a
     *     certificate without its key, both allowed-CN and allowed-hostname, an unparsable value
     */
    public static TlsSettings from(TlsRole role, Map<String, ?> properties, Map<String, String> environment) {
        Flags f = Flags.read(KEYS, properties, environment);
        boolean peer = role == TlsRole.PEER;
        String prefix = peer ? "peer-" : "";
        String autoTlsFlag = peer ? "peer-auto-tls" : "auto-tls";
        String name = f.string("name");
        Path dataDir = Path.of(f.string("data-dir").isEmpty() ? name + ".etcd" : f.string("data-dir"));
        boolean autoTls = f.bool(autoTlsFlag);
        long validity = f.number("self-signed-cert-validity");
        if (validity < 0 || validity > Integer.MAX_VALUE) {
            // a Go uint flag
            throw new IllegalArgumentException("invalid value \"" + validity
                    + "\" for flag -self-signed-cert-validity: parse error");
        }
        return new TlsSettings(
                role,
                path(f, prefix + "cert-file"),
                path(f, prefix + "key-file"),
                path(f, prefix + "trusted-ca-file"),
                f.bool(peer ? "peer-client-cert-auth" : "client-cert-auth"),
                path(f, peer ? "peer-crl-file" : "client-crl-file"),
                autoTls,
                dataDir.resolve("fixtures").resolve(role.property()),
                autoTls ? hosts(f, peer ? List.of("listen-peer-urls")
                        : List.of("listen-client-urls", "listen-client-http-urls")) : List.of(),
                (int) validity,
                peer ? f.list("peer-cert-allowed-cn") : List.of(),
                peer ? f.list("peer-cert-allowed-hostname") : List.of(),
                GoCipherSuites.tls12JsseNames(f.list("cipher-suites")),
                version(f.string("tls-min-version"), TLS12),
                version(f.string("tls-max-version"), TLS13));
    }

    /** Whether a certificate and key file are configured (etcd's {@code !TLSInfo.Empty()}). */
    public boolean hasCertificateFiles() {
        return certFile.isPresent();
    }

    /** Whether auto-tls provides the certificate: asked for, and no certificate files given. */
    public boolean usesAutoTls() {
        return autoTls && !hasCertificateFiles();
    }

    /** Whether there is a certificate to serve, from files or auto-tls. */
    public boolean isEnabled() {
        return hasCertificateFiles() || usesAutoTls();
    }

    /**
     * Whether a server of this role requires a verified client certificate. etcd 3.4 and 3.5
     * require one when {@code client-cert-auth} is set <em>or</em> a trusted CA file is given
     * ({@code TLSInfo.ServerConfig}).
     */
    public boolean requiresClientCertificate() {
        return clientCertAuth || trustedCaFile.isPresent();
    }

    /** The enabled protocols from min to max: {@code [TLSv1.2, TLSv1.3]}, {@code [TLSv1.2]} or {@code [TLSv1.3]}. */
    public List<String> protocols() {
        List<String> out = new ArrayList<>();
        if (minVersion.equals(TLS12)) {
            out.add(TLS12);
        }
        if (maxVersion.equals(TLS13)) {
            out.add(TLS13);
        }
        return List.copyOf(out);
    }

    private static Optional<Path> path(Flags f, String key) {
        String v = f.string(key);
        return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
    }

    /** etcd's {@code tlsutil.GetTLSVersion}, in JSSE's spelling; "" takes {@code unset}. */
    private static String version(String etcdName, String unset) {
        return switch (etcdName) {
            case "" -> unset;
            case "TLS1.2" -> TLS12;
            case "TLS1.3" -> TLS13;
            default -> throw new IllegalArgumentException("unexpected TLS version \"" + etcdName
                    + "\" (must be one of: TLS1.2, TLS1.3)");
        };
    }

    private static void requireVersion(String jsseName) {
        if (!TLS12.equals(jsseName) && !TLS13.equals(jsseName)) {
            throw new IllegalArgumentException("unexpected TLS version \"" + jsseName + "\" (must be one of: "
                    + TLS12 + ", " + TLS13 + ")");
        }
    }

    /**
     * The hosts of the URLs, as etcd's {@code SelfCert} takes them ({@code net.SplitHostPort} of
     * each URL's host), without brackets and duplicates; URLs without a host (unix sockets given
     * by path) add none.
     */
    private static List<String> hosts(Flags f, List<String> urlKeys) {
        Set<String> hosts = new LinkedHashSet<>();
        for (String key : urlKeys) {
            for (URI url : f.urls(key)) {
                String host = url.getHost();
                if (host != null && !host.isEmpty()) {
                    hosts.add(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
                }
            }
        }
        return List.copyOf(hosts);
    }

    private static String quoted(List<String> values) {
        return values.size() == 1 ? "\"" + values.get(0) + "\"" : values.stream().map(v -> "\"" + v + "\"").toList().toString();
    }
}
