package io.ketcd.api.config;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values of a set of etcd flags, each taken from the {@code ETCD_<FLAG>} environment variable
 * (upper case, '-' as '_') if set, else from the configuration properties (Karaf's {@code
 * etc/io.ketcd.server.cfg} or the embedded launcher's map), else the flag's default. Parse errors
 * read as etcd's: {@code invalid value "x" for flag -key: ...}.
 */
public final class Flags {
    private static final Set<String> GO_TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
    private static final Set<String> GO_FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");

    private final Map<String, String> values;

    private Flags(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Reads every key of {@code defaults} ("" meaning unset); keys of {@code properties} not in
     * {@code defaults} are ignored (Karaf adds its own, such as {@code service.pid}).
     */
    public static Flags read(Map<String, String> defaults, Map<String, ?> properties, Map<String, String> environment) {
        Map<String, String> v = new LinkedHashMap<>();
        for (Map.Entry<String, String> key : defaults.entrySet()) {
            String env = environment.get(envName(key.getKey()));
            Object prop = properties.get(key.getKey());
            v.put(key.getKey(), env != null ? env.trim() : prop != null ? String.valueOf(prop).trim() : key.getValue());
        }
        return new Flags(Collections.unmodifiableMap(v));
    }

    /** The environment variable etcd reads for a flag: {@code listen-client-urls} → {@code ETCD_LISTEN_CLIENT_URLS}. */
    public static String envName(String key) {
        return "ETCD_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Every key with its value, in the order of the defaults. */
    public Map<String, String> values() {
        return values;
    }

    /** The raw value; "" when unset. */
    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown flag -" + key);
        }
        return v;
    }

    public long number(String key) {
        try {
            return Long.parseLong(string(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "parse error");
        }
    }

    /**
     * A duration as Go's {@code time.ParseDuration} reads it ({@code 10m0s}, {@code 1.5h},
     * {@code 500ms}, {@code 0}), as etcd's duration flags take it.
     */
    public Duration duration(String key) {
        try {
            return goDuration(string(key));
        } catch (IllegalArgumentException e) {
            throw invalid(key, "parse error");
        }
    }

    /**
     * {@code v} as Go's {@code time.ParseDuration} reads it.
     *
     * @throws IllegalArgumentException when it is not a Go duration
     */
    public static Duration goDuration(String v) {
        Matcher whole = GO_DURATION.matcher(v);
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (!whole.matches()) {
            throw new IllegalArgumentException("not a duration: \"" + v + "\"");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher part = GO_DURATION_PART.matcher(v);
        while (part.find()) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(unitNanos(part.group(2)))));
        }
        Duration d = Duration.ofNanos(nanos.longValue());
        return v.startsWith("-") ? d.negated() : d;
    }

    private static final Pattern GO_DURATION = Pattern.compile("[-+]?(\\d+(\\.\\d*)?(ns|us|µs|ms|s|m|h))+");
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?)(ns|us|µs|ms|s|m|h)");

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
    }

    /** A boolean as Go's {@code strconv.ParseBool} reads it; "" is false. */
    public boolean bool(String key) {
        String v = string(key);
        if (v.isEmpty() || GO_FALSE.contains(v)) {
            return false;
        }
        if (GO_TRUE.contains(v)) {
            return true;
        }
        throw invalid(key, "parse error");
    }

    /** A comma-separated list with blanks dropped; empty when unset. */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String part : string(key).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Comma-separated URLs, each {@code scheme://host:port}, or for {@code unix}/{@code unixs} a
     * socket path ({@code unix://localhost:2379} names the file {@code localhost:2379}, as in
     * etcd; {@code unix:///run/etcd.sock} an absolute one).
     */
    public List<URI> urls(String key) {
        List<URI> out = new ArrayList<>();
        for (String s : list(key)) {
            URI u;
            try {
                u = new URI(s);
            } catch (URISyntaxException e) {
                throw invalid(key, e.getMessage());
            }
            boolean unix = "unix".equals(u.getScheme()) || "unixs".equals(u.getScheme());
            boolean valid = unix ? !unixPath(u).isEmpty() : u.getScheme() != null && u.getHost() != null && u.getPort() >= 0;
            if (!valid) {
                throw invalid(key, "URL must be scheme://host:port, got \"" + s + "\"");
            }
            out.add(u);
        }
        return List.copyOf(out);
    }

    /** The socket file a {@code unix} or {@code unixs} URL names: its authority and path together. */
    public static String unixPath(URI url) {
        String authority = url.getRawAuthority() == null ? "" : url.getRawAuthority();
        String path = url.getPath() == null ? "" : url.getPath();
        return authority + path;
    }

    private IllegalArgumentException invalid(String key, String why) {
        return new IllegalArgumentException("invalid value \"" + values.get(key) + "\" for flag -" + key + ": " + why);
    }
}
